// index_builder: life cycle, queries (with after= waits) and progress
// reports. Backfill and tailing: builder_feed.cpp.
#include "index_builder.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "builder_state.hpp"
#include "ropekv/feed/write_token.hpp"

namespace ropekv::indexer {
namespace {

constexpr std::chrono::milliseconds waiter_check{20};

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

pb::IndexQueryReply error_reply(errc code, std::string message) {
  pb::IndexQueryReply r;
  r.mutable_status()->set_error_code(static_cast<uint32_t>(code));
  r.mutable_status()->set_message(std::move(message));
  return r;
}

bool covers(const builder_state& st, const pb::IndexQueryRequest& q) {
  if (!st.applied) return false;
  for (const auto& t : q.after())
    if (!feed::has_read(*st.applied, t)) return false;
  return true;
}

pb::IndexQueryReply answer(builder_actor* self, const pb::IndexQueryRequest& q) {
  auto& st = self->state;
  index::query_args args;
  if (q.has_eq()) args.eq = q.eq();
  if (q.has_from()) args.from = q.from();
  if (q.has_to()) args.to = q.to();
  args.reverse = q.reverse();
  args.limit = q.limit();
  args.cursor = q.cursor();
  args.now_ms = q.now_ms();
  auto page = st.store->query(args);
  if (!page) return error_reply(page.error().code, page.error().message);
  pb::IndexQueryReply r;
  for (auto& item : page->items) *r.add_items() = std::move(item);
  r.set_next_cursor(std::move(page->next_cursor));
  r.set_lag_ms(lag_ms(st));
  ++st.shared->counters.queries;
  return r;
}

void schedule_tick(builder_actor* self, std::chrono::milliseconds delay) {
  self->delayed_send(self, delay, tick_atom_v);
}

void report(builder_actor* self) {
  auto& st = self->state;
  pb::IndexReport rep;
  rep.set_index_id(st.desc.id());
  auto* s = rep.mutable_state();
  s->set_indexer_id(st.shared->indexer_id.load());
  auto c = st.store->counters();
  s->set_phase(st.store->phase());
  s->set_items_done(c.items_done);
  s->set_items_estimated(c.items_estimated);
  double secs = std::chrono::duration<double>(clock::now() - st.backfill_started).count();
  if (st.scanner && secs > 0) s->set_items_per_s(static_cast<double>(st.scanned_this_run) / secs);
  s->set_lag_ms(lag_ms(st));
  s->set_entries(c.entries);
  s->set_unique_violations(c.unique_violations);
  s->set_rebuilds(c.rebuilds);
  s->set_last_error(st.last_error);
  s->set_reported_ms(wall_ms());
  self->send(st.coordinator, std::move(rep));
}

// Past their deadline: 503 index_behind (the router may try another replica
// only for other errors: the client asked for this bound).
void expire_waiters(builder_actor* self) {
  auto& st = self->state;
  auto now = clock::now();
  for (auto it = st.waiters.begin(); it != st.waiters.end();) {
    if (now < it->deadline) {
      ++it;
      continue;
    }
    ++st.shared->counters.queries_behind;
    it->promise.deliver(error_reply(errc::unavailable, "index_behind: the index has not applied every after= write yet "
                                                       "(lag " + std::to_string(lag_ms(st)) + " ms)"));
    it = st.waiters.erase(it);
  }
}

caf::behavior builder(builder_actor* self, std::shared_ptr<indexer_shared> shared, caf::actor coordinator,
                      pb::IndexDescriptor desc) {
  auto& st = self->state;
  st.shared = std::move(shared);
  st.coordinator = std::move(coordinator);
  st.desc = std::move(desc);
  std::string path = index_file(st.shared->options, st.desc.id());
  auto store = index::index_store::open(path, st.desc);
  if (!store) {
    st.last_error = "open " + path + ": " + store.error().message;
    spdlog::error("event=index_open_failed index={} path={} error=\"{}\"", st.desc.id(), path, store.error().message);
  } else {
    st.store = std::move(*store);
    spdlog::info("event=index_opened index={} table={} name={} phase={} path={}", st.desc.id(), st.desc.spec().table(),
                 st.desc.spec().name(), static_cast<int>(st.store->phase()), path);
    start_building(self);
  }
  schedule_tick(self, st.shared->options.heartbeat);
  return {
      [self](pb::IndexQueryRequest& q) -> caf::result<pb::IndexQueryReply> {
        auto& st = self->state;
        if (!st.store) return error_reply(errc::unavailable, "index file unusable: " + st.last_error);
        if (st.store->phase() != pb::INDEX_ACTIVE || !st.applied)
          return error_reply(errc::unavailable, "index_not_ready: still backfilling here");
        if (q.after_size() == 0 || covers(st, q)) return answer(self, q);
        auto wait = std::min(std::chrono::milliseconds(q.wait_ms()), st.shared->options.max_after_wait);
        auto rp = self->make_response_promise<pb::IndexQueryReply>();
        st.waiters.push_back(after_waiter{std::move(q), rp, clock::now() + wait});
        if (!st.ticking) {
          st.ticking = true;
          self->delayed_send(self, waiter_check, tick_atom_v, true);
        }
        return rp;
      },
      [self](retry_atom, uint64_t id, uint64_t token) { on_reader_timer(self, id, token); },
      [self](caf::update_atom) { retry_backfill_plan(self); },
      [self](caf::flush_atom) { on_rescan_finished(self); },
      [self](tick_atom) {
        if (self->state.store) report(self);
        schedule_tick(self, self->state.shared->options.heartbeat);
      },
      [self](tick_atom, bool) {
        expire_waiters(self);
        auto& st = self->state;
        st.ticking = !st.waiters.empty();
        if (st.ticking) self->delayed_send(self, waiter_check, tick_atom_v, true);
      },
      [self](drop_atom) {
        auto& st = self->state;
        for (auto& w : st.waiters) w.promise.deliver(error_reply(errc::not_found, "index dropped from this indexer"));
        st.waiters.clear();
        st.feed.reset();
        st.scanner.reset();
        st.rescan.reset();
        std::string path = st.store ? st.store->path() : std::string();
        st.store.reset();
        if (!path.empty() && path != ":memory:") {
          std::error_code ec;
          for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
        }
        spdlog::info("event=index_released index={} path={}", st.desc.id(), path);
        self->quit();
      },
  };
}

}  // namespace

std::string index_file(const indexer_options& options, uint32_t index_id) {
  if (options.data_dir.empty()) return ":memory:";
  return (std::filesystem::path(options.data_dir) / ("index-" + std::to_string(index_id) + ".db")).string();
}

void wake_waiters(builder_actor* self) {
  auto& st = self->state;
  for (auto it = st.waiters.begin(); it != st.waiters.end();) {
    if (!covers(st, it->query)) {
      ++it;
      continue;
    }
    it->promise.deliver(answer(self, it->query));
    it = st.waiters.erase(it);
  }
}

caf::actor spawn_index_builder(caf::actor_system& sys, std::shared_ptr<indexer_shared> shared,
                               caf::actor coordinator, pb::IndexDescriptor index) {
  return sys.spawn(builder, std::move(shared), std::move(coordinator), std::move(index));
}

}  // namespace ropekv::indexer
