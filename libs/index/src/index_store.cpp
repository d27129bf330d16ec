// index_store: opening a file, backfill and tailing. Each public write is
// one transaction that also saves the meta row (phase, counters, position)
// and whatever range progress goes with it; on failure the file is rolled
// back and the in-memory mirror restored, so the two never disagree.
#include "ropekv/index/index_store.hpp"

#include <algorithm>

#include "ropekv/index/index_spec_json.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/sqlite/transaction.hpp"
#include "store_state.hpp"

namespace ropekv::index {
namespace {

using detail::store_state;

// Everything a failed transaction must put back in memory.
struct mirror {
  pb::IndexReplicaPhase phase;
  index_counters counters;
  pb::FeedToken position;
  std::vector<backfill_range> ranges;
};

template <class F>
status write(store_state& s, F&& change) {
  mirror saved{s.phase, s.counters, s.position, s.ranges};
  auto txn = sqlite::transaction::begin(*s.db);
  if (!txn) return std::move(txn).error();
  status r = change();
  if (r) r = detail::save_meta(s);
  if (r) r = txn->commit();
  if (!r) {
    s.phase = saved.phase;
    s.counters = saved.counters;
    s.position = std::move(saved.position);
    s.ranges = std::move(saved.ranges);
  }
  return r;  // txn rolls back on destruction unless committed
}

// In order, non-overlapping, each non-empty; only the last may end at +inf.
bool well_formed(std::span<const backfill_range> rs) {
  for (size_t i = 0; i < rs.size(); ++i) {
    if (!rs[i].end.empty() && rs[i].start >= rs[i].end) return false;
    if (i + 1 < rs.size() && (rs[i].end.empty() || rs[i].end > rs[i + 1].start)) return false;
  }
  return true;
}

ropekv::error bad(std::string msg) { return make_error(errc::invalid_argument, std::move(msg)); }

// Items handed in (scan pages, rollback re-reads) must be this table's
// and inside the range they claim to describe.
status check_items(const store_state& s, std::span<const pb::Item> items, const std::string& start,
                   const std::string& end) {
  for (const auto& it : items) {
    if (it.table_id() != s.table_id) return bad("item of table " + std::to_string(it.table_id()));
    auto pk = detail::base_key(s.table_id, keys::partition_of(it.hash_key()), it);
    if (!detail::in_range(pk, start, end)) return bad("item outside the range it was read for");
  }
  return {};
}

status put_items(store_state& s, std::span<const pb::Item> items) {
  for (const auto& it : items) {
    auto pk = detail::base_key(s.table_id, keys::partition_of(it.hash_key()), it);
    if (auto r = detail::apply_put(s, pk, it, it.version()); !r) return r;
  }
  return {};
}

}  // namespace

index_store::index_store(std::unique_ptr<state> s) : s_(std::move(s)) {}
index_store::~index_store() = default;

result<std::unique_ptr<index_store>> index_store::open(const std::string& path, const pb::IndexDescriptor& index) {
  auto attribute = attribute_path::parse(index.spec().attribute());
  if (!attribute) return std::move(attribute).error();
  auto db = sqlite::connection::open(path);
  if (!db) return std::move(db).error();
  // A second process on the same file waits instead of failing at once.
  for (std::string_view pragma : {"PRAGMA busy_timeout=5000", "PRAGMA journal_mode=WAL",
                                  "PRAGMA synchronous=NORMAL"}) {
    if (auto r = (*db)->exec(pragma); !r) return std::move(r).error();
  }
  if (auto r = detail::create_schema(**db); !r) return std::move(r).error();

  auto s = std::make_unique<state>();
  s->db = std::move(*db);
  s->path = path;
  auto found = detail::load_meta(*s);
  if (!found) return std::move(found).error();
  bool same_id = *found && s->index_id == index.id();
  bool keep = same_id && s->table_id == index.table_id() && same_definition(s->spec, index.spec());
  s->index_id = index.id();
  s->table_id = index.table_id();
  s->spec = index.spec();
  s->attribute = std::move(*attribute);
  auto r = write(*s, [&]() -> status {
    if (keep || !*found) return {};
    // Rows filed under another definition mean nothing under this one.
    uint64_t rebuilds = (same_id ? s->counters.rebuilds : 0) + 1;
    s->phase = pb::INDEX_BACKFILLING;
    s->counters = index_counters{};
    s->counters.rebuilds = rebuilds;
    s->position.Clear();
    s->ranges.clear();
    return detail::clear_all(*s->db);
  });
  if (!r) return std::move(r).error();
  return std::unique_ptr<index_store>(new index_store(std::move(s)));
}

const pb::IndexSpec& index_store::spec() const { return s_->spec; }
uint32_t index_store::index_id() const { return s_->index_id; }
uint32_t index_store::table_id() const { return s_->table_id; }
pb::IndexReplicaPhase index_store::phase() const { return s_->phase; }
index_counters index_store::counters() const { return s_->counters; }
pb::FeedToken index_store::position() const { return s_->position; }
std::vector<backfill_range> index_store::backfill_ranges() const { return s_->ranges; }
const std::string& index_store::path() const { return s_->path; }

status index_store::begin_backfill(std::span<const backfill_range> ranges, uint64_t items_estimated) {
  if (!well_formed(ranges)) return bad("backfill ranges must be ordered and disjoint");
  auto& s = *s_;
  return write(s, [&]() -> status {
    auto any_base = s.db->query_int("SELECT EXISTS(SELECT 1 FROM ix_base)");
    if (!any_base) return std::move(any_base).error();
    bool had_rows = s.counters.entries > 0 || *any_base != 0;
    if (auto r = detail::clear_all(*s.db); !r) return r;
    s.phase = pb::INDEX_BACKFILLING;
    s.counters = index_counters{0, 0, items_estimated, 0, s.counters.rebuilds + (had_rows ? 1 : 0)};
    s.position.Clear();
    s.ranges.assign(ranges.begin(), ranges.end());
    return detail::save_ranges(s);
  });
}

status index_store::replace_backfill_range(const std::string& start, std::span<const backfill_range> with) {
  auto& s = *s_;
  auto it = std::find_if(s.ranges.begin(), s.ranges.end(), [&](const auto& r) { return r.start == start; });
  if (it == s.ranges.end()) return bad("no backfill range starts there");
  backfill_range replaced = *it;
  if (with.empty() || !well_formed(with) || with.front().start != replaced.start ||
      with.back().end != replaced.end) {
    return bad("the replacement ranges must cover the replaced range exactly");
  }
  return write(s, [&]() -> status {
    std::erase_if(s.ranges, [&](const auto& r) { return detail::in_range(r.start, replaced.start, replaced.end); });
    s.ranges.insert(s.ranges.end(), with.begin(), with.end());
    std::sort(s.ranges.begin(), s.ranges.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
    return detail::save_ranges(s);
  });
}

status index_store::apply_scan_page(const backfill_range& progress, std::span<const pb::Item> items) {
  auto& s = *s_;
  auto it = std::find_if(s.ranges.begin(), s.ranges.end(),
                         [&](const auto& r) { return r.start == progress.start && r.end == progress.end; });
  if (it == s.ranges.end()) return bad("no such backfill range");
  if (auto r = check_items(s, items, progress.start, progress.end); !r) return r;
  size_t index = static_cast<size_t>(it - s.ranges.begin());
  return write(s, [&]() -> status {
    if (auto r = put_items(s, items); !r) return r;
    s.ranges[index] = progress;
    s.counters.items_done += items.size();
    return detail::save_range_progress(s, progress);
  });
}

status index_store::add_items_estimated(uint64_t items) {
  auto& s = *s_;
  return write(s, [&]() -> status {
    s.counters.items_estimated += items;
    return {};
  });
}

status index_store::finish_backfill(const pb::FeedToken& position) {
  auto& s = *s_;
  for (const auto& r : s.ranges) {
    if (!r.done) return bad("backfill ranges remain to scan");
  }
  return write(s, [&]() -> status {
    s.phase = pb::INDEX_ACTIVE;
    s.position = position;
    return {};
  });
}

status index_store::apply_events(std::span<const pb::ChangeEvent> events, const pb::FeedToken& position_after) {
  std::vector<const pb::ChangeEvent*> refs;
  refs.reserve(events.size());
  for (const auto& ev : events) refs.push_back(&ev);
  return apply_events(std::span<const pb::ChangeEvent* const>(refs), position_after);
}

status index_store::apply_events(std::span<const pb::ChangeEvent* const> events, const pb::FeedToken& position_after) {
  auto& s = *s_;
  for (const auto* ev : events) {
    if (ev->item().table_id() != s.table_id) return bad("event of table " + std::to_string(ev->item().table_id()));
  }
  return write(s, [&]() -> status {
    for (const auto* evp : events) {
      const auto& ev = *evp;
      auto pk = detail::base_key(ev.item().table_id(), ev.partition(), ev.item());
      status r;
      switch (ev.kind()) {
        case pb::CHANGE_PUT:
        case pb::CHANGE_CREATE:
        case pb::CHANGE_UPDATE:
          r = detail::apply_put(s, pk, ev.item(), ev.version());
          break;
        case pb::CHANGE_DELETE:
        case pb::CHANGE_EXPIRED:
          r = detail::apply_removal(s, pk, ev.version());
          break;
        case pb::CHANGE_ROLLBACK:
          break;  // the builder re-reads the partition and calls replace_range
        default:
          // An event kind this build does not know could change what is
          // indexed: stop rather than skip it silently.
          return bad("unknown change kind " + std::to_string(ev.kind()));
      }
      if (!r) return r;
    }
    s.position = position_after;
    return {};
  });
}

status index_store::replace_range(const std::string& start, const std::string& end, std::span<const pb::Item> items,
                                  const pb::FeedToken& position_after) {
  auto& s = *s_;
  if (!end.empty() && start >= end) return bad("empty key range");
  if (auto r = check_items(s, items, start, end); !r) return r;
  return write(s, [&]() -> status {
    if (auto r = detail::remove_range(s, start, end); !r) return r;
    if (auto r = put_items(s, items); !r) return r;
    s.position = position_after;
    return {};
  });
}

}  // namespace ropekv::index
