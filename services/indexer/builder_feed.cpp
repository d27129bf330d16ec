// index_builder: backfill (scan at snapshot positions) and tailing (apply
// feed batches; re-read a partition after a rollback). See index_builder.hpp.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "builder_state.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::indexer {
namespace {

int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<feed::scan_range> to_scan(const std::vector<index::backfill_range>& ranges) {
  std::vector<feed::scan_range> out;
  for (const auto& r : ranges) out.push_back({r.start, r.end, r.position, r.cursor, r.done});
  return out;
}

std::vector<index::backfill_range> to_backfill(const std::vector<feed::scan_range>& ranges) {
  std::vector<index::backfill_range> out;
  for (const auto& r : ranges) out.push_back({r.start, r.end, r.position, r.cursor, r.done});
  return out;
}

void fail_hard(builder_actor* self, const error& err, const char* what) {
  auto& st = self->state;
  st.last_error = std::string(what) + ": " + err.message;
  spdlog::error("event=index_build_failed index={} table={} what={} error=\"{}\"", st.desc.id(),
                st.desc.spec().table(), what, err.message);
}

void start_tail(builder_actor* self);

void finish_backfill(builder_actor* self) {
  auto& st = self->state;
  auto position = feed::feed_position::uniform(st.desc.table_id(), 0);
  for (const auto& r : st.store->backfill_ranges()) position.advance(r.start, r.end, r.position);
  if (auto ok = st.store->finish_backfill(position.to_token()); !ok) return fail_hard(self, ok.error(), "finish_backfill");
  auto c = st.store->counters();
  spdlog::info("event=index_backfilled index={} table={} items={} entries={} seconds={:.1f}", st.desc.id(),
               st.desc.spec().table(), c.items_done, c.entries,
               std::chrono::duration<double>(clock::now() - st.backfill_started).count());
  st.scanner.reset();
  st.applied = std::move(position);
  start_tail(self);
}

void on_scan_page(builder_actor* self, feed::scan_page page) {
  auto& st = self->state;
  index::backfill_range progress{page.progress.start, page.progress.end, page.progress.position,
                                 page.progress.cursor, page.progress.done};
  if (auto ok = st.store->apply_scan_page(progress, page.items); !ok) {
    fail_hard(self, ok.error(), "apply_scan_page");
    st.scanner->pause();
    return;
  }
  if (page.estimated_items > 0) {
    if (auto ok = st.store->add_items_estimated(page.estimated_items); !ok)
      spdlog::warn("event=estimate_not_saved index={} error=\"{}\"", st.desc.id(), ok.error().message);
  }
  st.scanned_this_run += page.items.size();
  st.shared->counters.items_scanned += page.items.size();
  // Pacing: a page of n items may not come sooner than n / rate after the
  // previous one (the scan shares the owners' CPU and disks with writes).
  double rate = st.shared->options.backfill_rate;
  if (rate > 0 && !page.items.empty()) {
    auto budget = std::chrono::duration<double>(static_cast<double>(page.items.size()) / rate);
    auto spent = clock::now() - st.last_page;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(budget - spent);
    st.last_page = clock::now();
    if (wait.count() > 0) {
      st.scanner->pause();
      st.scanner->resume_after(wait);
    }
  }
}

void start_scanner(builder_actor* self, std::vector<feed::scan_range> ranges) {
  auto& st = self->state;
  st.backfill_started = st.last_page = clock::now();
  st.scanned_this_run = 0;
  feed::scan_callbacks cb;
  cb.on_page = [self](feed::scan_page p) { on_scan_page(self, std::move(p)); };
  cb.on_recut = [self](const std::string& start, const std::vector<feed::scan_range>& pieces) {
    auto replaced = to_backfill(pieces);
    if (auto ok = self->state.store->replace_backfill_range(start, replaced); !ok)
      fail_hard(self, ok.error(), "replace_backfill_range");
  };
  cb.on_done = [self] { finish_backfill(self); };
  cb.on_failed = [self](const error& err) {
    if (err.code == errc::version_gone) return restart_backfill(self, err.message);
    fail_hard(self, err, "backfill");
  };
  st.scanner = std::make_unique<feed::range_scanner>(self, st.shared->feed_client(), st.desc.table_id(),
                                                     std::move(ranges), st.shared->options.scan_page, std::move(cb));
  st.scanner->start();
}

// The table's ranges as the rope cuts it now. The item estimate grows as
// each range's first page brings its segment's count.
void plan_backfill(builder_actor* self) {
  auto& st = self->state;
  auto snap = st.shared->cluster->routes.load();
  if (!snap->ready() || !snap->table(st.desc.table_id())) {
    // The rope has not reached this process yet (or lags placement).
    self->delayed_send(self, std::chrono::milliseconds(100), caf::update_atom_v);
    return;
  }
  auto whole = feed::feed_position::uniform(st.desc.table_id(), 0);
  const std::string& from = whole.table_start();
  const std::string& to = whole.table_end();
  std::vector<index::backfill_range> ranges;
  for (size_t rank = snap->rope.rank_of(from); rank < snap->rope.size(); ++rank) {
    const auto& seg = snap->rope.at(rank);
    if (seg.start >= to) break;
    ranges.push_back({std::string(feed::later_start(seg.start, from)), std::string(feed::earlier_end(seg.end, to)), 0,
                      {}, false});
    if (seg.end.empty()) break;
  }
  if (auto ok = st.store->begin_backfill(ranges, 0); !ok) return fail_hard(self, ok.error(), "begin_backfill");
  spdlog::info("event=index_backfill_started index={} table={} ranges={}", st.desc.id(), st.desc.spec().table(),
               ranges.size());
  start_scanner(self, to_scan(ranges));
}

// ------------------------------------------------------------- tailing

void process_queue(builder_actor* self);

void apply_plain(builder_actor* self, feed::feed_batch& b, size_t count, uint64_t through) {
  auto& st = self->state;
  auto next = *st.applied;
  if (b.start < b.end) next.advance(b.start, b.end, through);
  std::span<const pb::ChangeEvent> events(b.events.data(), count);
  if (auto ok = st.store->apply_events(events, next.to_token()); !ok) {
    fail_hard(self, ok.error(), "apply_events");
    return;
  }
  st.shared->counters.events_applied += count;
  st.applied = std::move(next);
  if (count > 0) {
    int64_t ts = b.events[count - 1].timestamp_us();
    if (b.caught_up && count == b.events.size()) st.behind_since_us.erase(b.start);
    else st.behind_since_us[b.start] = ts;
  } else if (b.caught_up) {
    st.behind_since_us.erase(b.start);
  }
  b.events.erase(b.events.begin(), b.events.begin() + static_cast<std::ptrdiff_t>(count));
}

// A rollback voided versions of one partition: re-read its keys (within
// the batch's range) as they are at the rollback's position and replace
// the rows; the feed waits meanwhile.
void start_rescan(builder_actor* self, const feed::feed_batch& b, const pb::ChangeEvent& rollback) {
  auto& st = self->state;
  std::string part = feed::event_key(rollback);
  feed::scan_range range;
  range.start = std::string(feed::later_start(part, b.start));
  range.end = std::string(feed::earlier_end(keys::prefix_end(part), b.end));
  range.position = rollback.position();
  st.rescan_items.clear();
  if (st.feed) st.feed->pause();
  feed::scan_callbacks cb;
  cb.on_page = [self](feed::scan_page p) {
    auto& items = self->state.rescan_items;
    items.insert(items.end(), std::make_move_iterator(p.items.begin()), std::make_move_iterator(p.items.end()));
  };
  cb.on_done = [self, range] {
    auto& st = self->state;
    auto& front = st.queue.front();
    auto next = *st.applied;
    next.advance(front.start, front.end, range.position);
    if (auto ok = st.store->replace_range(range.start, range.end, st.rescan_items, next.to_token()); !ok) {
      return fail_hard(self, ok.error(), "replace_range");
    }
    spdlog::info("event=index_rollback_applied index={} items={}", st.desc.id(), st.rescan_items.size());
    st.applied = std::move(next);
    front.events.erase(front.events.begin());  // the rollback itself
    st.rescan_items.clear();
    // The scanner is still on the stack: drop it once this call returns.
    self->send(self, caf::flush_atom_v);
  };
  cb.on_failed = [self](const error& err) {
    if (err.code == errc::version_gone) return restart_backfill(self, err.message);
    fail_hard(self, err, "rollback re-read");
  };
  std::vector<feed::scan_range> ranges{range};
  st.rescan = std::make_unique<feed::range_scanner>(self, st.shared->feed_client(), st.desc.table_id(),
                                                    std::move(ranges), 1'000, std::move(cb));
  st.rescan->start();
}

void process_queue(builder_actor* self) {
  auto& st = self->state;
  while (!st.queue.empty() && !st.rescan && st.last_error.empty()) {
    auto& b = st.queue.front();
    auto rb = std::find_if(b.events.begin(), b.events.end(),
                           [](const pb::ChangeEvent& e) { return e.kind() == pb::CHANGE_ROLLBACK; });
    if (rb == b.events.end()) {
      apply_plain(self, b, b.events.size(), b.through);
      st.queue.pop_front();
      continue;
    }
    size_t before = static_cast<size_t>(rb - b.events.begin());
    uint64_t position = rb->position();
    apply_plain(self, b, before, position - 1);
    return start_rescan(self, b, b.events.front());
  }
  if (st.queue.empty() && st.feed) st.feed->resume();
  wake_waiters(self);
}

void start_tail(builder_actor* self) {
  auto& st = self->state;
  if (!st.applied) {
    auto pos = feed::feed_position::from_token(st.store->position());
    if (!pos) return restart_backfill(self, "saved feed position unreadable: " + pos.error().message);
    st.applied = std::move(*pos);
  }
  feed::feed_settings fs;
  fs.wait_ms = static_cast<uint32_t>(st.shared->options.feed_wait.count());
  fs.batch = st.shared->options.feed_batch;
  fs.leader_first = true;  // read-your-writes latency: the leader has each commit first
  feed::feed_callbacks cb;
  cb.on_batch = [self](feed::feed_batch b) {
    auto& st = self->state;
    st.queue.push_back(std::move(b));
    // Hold further reads while a backlog waits (a rollback re-read).
    if (st.queue.size() > 4 && st.feed) st.feed->pause();
    process_queue(self);
  };
  cb.on_failed = [self](const error& err) {
    if (err.code == errc::version_gone) return restart_backfill(self, err.message);
    fail_hard(self, err, "feed");
  };
  st.feed = std::make_unique<feed::segment_feed>(self, st.shared->feed_client(), st.desc.table_id(), *st.applied, fs,
                                                 std::move(cb));
  spdlog::info("event=index_tailing index={} table={} cursors={}", st.desc.id(), st.desc.spec().table(),
               st.applied->cursors());
  st.feed->start();
}

}  // namespace

void start_building(builder_actor* self) {
  auto& st = self->state;
  switch (st.store->phase()) {
    case pb::INDEX_ACTIVE: return start_tail(self);
    default: {
      auto ranges = st.store->backfill_ranges();
      if (ranges.empty()) return plan_backfill(self);
      spdlog::info("event=index_backfill_resumed index={} ranges={} done={}", st.desc.id(), ranges.size(),
                   std::count_if(ranges.begin(), ranges.end(), [](const auto& r) { return r.done; }));
      if (std::all_of(ranges.begin(), ranges.end(), [](const auto& r) { return r.done; }))
        return finish_backfill(self);
      return start_scanner(self, to_scan(ranges));
    }
  }
}

void restart_backfill(builder_actor* self, const std::string& why) {
  auto& st = self->state;
  spdlog::warn("event=index_rebuild index={} table={} why=\"{}\"", st.desc.id(), st.desc.spec().table(), why);
  st.feed.reset();
  st.scanner.reset();
  st.rescan.reset();
  st.queue.clear();
  st.applied.reset();
  st.behind_since_us.clear();
  plan_backfill(self);
}

void on_reader_timer(builder_actor* self, uint64_t id, uint64_t token) {
  auto& st = self->state;
  if (st.feed && st.feed->id() == id) return st.feed->on_retry(token);
  if (st.scanner && st.scanner->id() == id) return st.scanner->on_retry(token);
  if (st.rescan && st.rescan->id() == id) return st.rescan->on_retry(token);
}

void retry_backfill_plan(builder_actor* self) {
  if (!self->state.applied && !self->state.scanner) plan_backfill(self);
}

void on_rescan_finished(builder_actor* self) {
  self->state.rescan.reset();
  process_queue(self);
}

uint64_t lag_ms(const builder_state& st) {
  int64_t now = wall_us();
  if (!st.applied) {
    if (st.backfill_started == clock::time_point{}) return 0;
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - st.backfill_started).count());
  }
  int64_t oldest = now;
  for (const auto& [start, ts] : st.behind_since_us) oldest = std::min(oldest, ts);
  if (!st.queue.empty() && !st.queue.front().events.empty())
    oldest = std::min(oldest, st.queue.front().events.front().timestamp_us());
  return static_cast<uint64_t>(std::max<int64_t>(0, now - oldest) / 1000);
}

}  // namespace ropekv::indexer
