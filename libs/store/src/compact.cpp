// compact(): physical removal of what no read can see any more, in one
// transaction:
//  1. rows of voided versions (after recording each partition's
//     max_issued, which those rows may have carried);
//  2. versions superseded by a version at or below the horizon
//     (now - retention), and tombstones at or below it, with every older
//     version of their key. Before a partition loses such rows, its
//     aggregate base moves up to the horizon, since stats_at() may no longer
//     find the right row below it;
//  3. rollback markers older than the retention window.
// Only rows written since the last compaction (position order) are examined
// in step 2; older ones were examined already.
//
// Scans at a position (scan_query::at_position) need every row the state at
// that position held: the position of each event that made rows droppable
// (the rollback, the superseding version) raises store_state::scan_floor.
#include <algorithm>
#include <limits>
#include <unordered_set>

#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {
namespace {

using detail::store_state;

constexpr size_t chunk_rows = 2048;

status upsert_partition(store_state& s, uint64_t tp, const detail::partition_state& p) {
  auto q = s.db->prepare(
      "INSERT INTO kv_partitions(tp, max_issued, base_version, base_items, base_bytes)"
      " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(tp) DO UPDATE SET max_issued=excluded.max_issued,"
      " base_version=excluded.base_version, base_items=excluded.base_items,"
      " base_bytes=excluded.base_bytes");
  if (!q) return std::move(q).error();
  q->bind_u64(1, tp).bind_u64(2, p.max_issued).bind_u64(3, p.base_version);
  q->bind_u64(4, p.base_items).bind_u64(5, p.base_bytes);
  return q->run();
}

// Runs a DELETE ... RETURNING pos; adds to `dropped`, raises `max_pos`.
status delete_returning(detail::stmt& q, size_t& dropped, uint64_t& max_pos) {
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) return {};
    ++dropped;
    max_pos = std::max(max_pos, q.u64(0));
  }
}

// Highest position of the partition's rollbacks (0: none).
result<uint64_t> last_void_position(store_state& s, uint64_t tp) {
  auto q = s.db->prepare("SELECT max(pos) FROM kv_voids WHERE tp=?1");
  if (!q) return std::move(q).error();
  q->bind_u64(1, tp);
  auto row = q->step();
  if (!row) return std::move(row).error();
  return *row && !q->is_null(0) ? q->u64(0) : uint64_t{0};
}

status drop_voided(store_state& s, size_t& dropped, uint64_t& cause_max) {
  auto q = s.db->prepare("SELECT DISTINCT tp FROM kv_voids");
  if (!q) return std::move(q).error();
  std::vector<uint64_t> tps;
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    tps.push_back(q->u64(0));
  }
  q = detail::stmt();
  for (uint64_t tp : tps) {
    auto st = s.parts->get(tp);
    if (!st) return std::move(st).error();
    if (auto r = upsert_partition(s, tp, **st); !r) return r;
    const auto* vs = s.parts->voids(tp);
    if (vs == nullptr) continue;
    size_t before = dropped;
    for (auto [lo, hi] : vs->ranges()) {
      auto d = s.db->prepare("DELETE FROM kv_items WHERE tp=?1 AND version>?2 AND version<=?3");
      if (!d) return std::move(d).error();
      d->bind_u64(1, tp).bind_u64(2, lo).bind_u64(3, hi);
      if (auto r = d->run(); !r) return r;
      dropped += static_cast<size_t>(sqlite3_changes(s.db->handle()));
    }
    if (dropped == before) continue;
    // Merged ranges do not say which rollback voided what: take the last.
    auto cause = last_void_position(s, tp);
    if (!cause) return std::move(cause).error();
    cause_max = std::max(cause_max, *cause);
  }
  return {};
}

struct candidate {
  uint64_t pos, version, tp;
  std::string key;
  detail::row_kind kind;
};

status drop_superseded(store_state& s, uint64_t horizon, size_t& dropped, uint64_t& feed_max,
                       uint64_t& cause_max) {
  std::unordered_set<uint64_t> based;
  uint64_t scanned_to = s.meta.compact_position;
  uint64_t first_kept = 0;  // first position with a version above the horizon
  for (;;) {
    std::vector<candidate> chunk;
    {
      auto q = s.db->prepare(
          "SELECT pos, version, tp, key, kind FROM kv_items WHERE pos>?1 ORDER BY pos LIMIT ?2");
      if (!q) return std::move(q).error();
      q->bind_u64(1, scanned_to).bind_u64(2, chunk_rows);
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        chunk.push_back({q->u64(0), q->u64(1), q->u64(2), std::string(q->blob(3)),
                         static_cast<detail::row_kind>(q->i64(4))});
      }
    }
    if (chunk.empty()) break;
    for (const auto& c : chunk) {
      scanned_to = c.pos;
      if (c.version > horizon) {
        if (first_kept == 0) first_kept = c.pos;
        continue;
      }
      if (s.parts->is_void(c.tp, c.version)) continue;
      auto st = s.parts->get(c.tp);
      if (!st) return std::move(st).error();
      if (based.insert(c.tp).second && horizon > (*st)->base_version) {
        auto stats = s.parts->stats_at(c.tp, horizon, **st);
        if (!stats) return std::move(stats).error();
        detail::partition_state p = **st;
        p.base_version = stats->version;
        p.base_items = stats->items;
        p.base_bytes = stats->bytes;
        if (auto r = upsert_partition(s, c.tp, p); !r) return r;
        **st = p;
      }
      auto d = s.db->prepare(
          c.kind == detail::row_kind::put
              ? "DELETE FROM kv_items WHERE key=?1 AND version<?2 RETURNING pos"
              : "DELETE FROM kv_items WHERE key=?1 AND version<=?2 RETURNING pos");
      if (!d) return std::move(d).error();
      d->bind_blob(1, c.key).bind_u64(2, c.version);
      size_t before = dropped;
      if (auto r = delete_returning(*d, dropped, feed_max); !r) return r;
      if (dropped != before) cause_max = std::max(cause_max, c.pos);
    }
  }
  s.meta.compact_position = first_kept != 0 ? first_kept - 1 : scanned_to;
  return {};
}

}  // namespace

result<size_t> segment_store::compact(int64_t now_us) {
  auto& s = *s_;
  int64_t h = now_us - s.opts.retention_us;
  if (h <= 0) return size_t{0};
  uint64_t horizon = std::max(static_cast<uint64_t>(h), s.meta.history_floor);
  auto txn = detail::write_txn::begin(*s.db);
  if (!txn) return std::move(txn).error();
  size_t dropped = 0;
  uint64_t feed_max = 0, cause_max = 0;
  auto r = drop_voided(s, dropped, cause_max);
  if (r) r = drop_superseded(s, horizon, dropped, feed_max, cause_max);
  if (r) {
    auto q = s.db->prepare("DELETE FROM kv_voids WHERE ts_us<?1 RETURNING pos");
    if (!q) {
      r = std::move(q).error();
    } else {
      q->bind(1, h);
      size_t voids = 0;
      r = delete_returning(*q, voids, feed_max);
    }
  }
  if (r) {
    s.meta.history_floor = horizon;
    s.meta.feed_floor = std::max(s.meta.feed_floor, feed_max);
    r = detail::save_meta(*s.db, s.meta);
  }
  if (r) r = txn->commit();
  if (!r) {
    txn->rollback();
    auto err = std::move(r).error();
    if (auto re = s.reload(); !re) err.message += "; reload failed: " + re.error().message;
    return err;
  }
  // Partition states and voids changed underneath the cache.
  if (auto re = s.reload(); !re) return std::move(re).error();
  s.scan_floor = std::max({s.scan_floor, cause_max, s.meta.feed_floor});
  return dropped;
}

}  // namespace ropekv::store
