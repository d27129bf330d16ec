// O(1) partition rollback (DESIGN §4) and the partition aggregate reads.
//
// A rollback to V writes exactly one row: the void marker (V, max_issued]
// with its change-feed position. No data row is read in bulk or rewritten;
// the partition's aggregates come back from the stats columns of the last
// non-void version <= V (stats_at: one indexed lookup per void range).
#include <limits>

#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store::detail {

result<pb::MutationResult> apply_rollback(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                          txn_context& ctx) {
  const pb::Rollback& rb = m.rollback();
  if (rb.partition() >= 65536) return failed(errc::invalid_argument, "partition out of range");
  uint64_t tp = make_tp(rb.table_id(), static_cast<uint16_t>(rb.partition()));
  if (const lock_row* l = s.locks.on_partition(tp)) return locked_failure(*l, m.timestamp_us());
  uint64_t to = rb.to_version();
  if (to < s.meta.history_floor) {
    return failed(errc::version_gone, "rollback target is older than the retained history");
  }
  if (to > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return failed(errc::invalid_argument, "rollback target out of range");
  }
  auto st = s.parts->get(tp);
  if (!st) return std::move(st).error();
  partition_state& p = **st;
  uint64_t hi = std::max(p.max_issued, to);  // (to, hi]; empty when nothing is newer
  uint64_t pos = s.meta.next_position;
  {
    auto q = s.db->prepare(
        "INSERT INTO kv_voids(pos, tp, lo, hi, ts_us, log_index) VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    if (!q) return std::move(q).error();
    q->bind_u64(1, pos).bind_u64(2, tp).bind_u64(3, to).bind_u64(4, hi);
    q->bind(5, m.timestamp_us()).bind_u64(6, log_index);
    if (auto r = q->run(); !r) return std::move(r).error();
  }
  s.meta.next_position = pos + 1;
  ctx.wrote_row = true;
  ctx.last_row_log_index = log_index;
  s.parts->add_void(tp, to, hi);
  auto stats = s.parts->stats_at(tp, to, p);
  if (!stats) return std::move(stats).error();
  p.head = stats->version;
  p.items = stats->items;
  p.bytes = stats->bytes;
  // Voiding can bring back expired versions the sweep had passed.
  s.sweep_floor_ms = 0;
  pb::MutationResult res;
  res.set_version(p.head);
  res.set_position(pos);
  return res;
}

}  // namespace ropekv::store::detail

namespace ropekv::store {

result<partition_info> segment_store::partition(uint32_t table, uint16_t partition) {
  uint64_t tp = detail::make_tp(table, partition);
  auto st = s_->parts->get(tp);
  if (!st) return std::move(st).error();
  partition_info info;
  info.table = table;
  info.partition = partition;
  info.items = (*st)->items;
  info.bytes = (*st)->bytes;
  info.head_version = (*st)->head;
  info.max_issued_version = (*st)->max_issued;
  auto* vs = s_->parts->voids(tp);
  info.void_ranges = vs != nullptr ? vs->size() : 0;
  return info;
}

result<partition_info> segment_store::recount_partition(uint32_t table, uint16_t partition,
                                                        uint64_t as_of) {
  auto info = this->partition(table, partition);
  if (!info) return info;
  uint64_t v = as_of == 0 ? static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) : as_of;
  auto stats = s_->parts->recount(detail::make_tp(table, partition), v);
  if (!stats) return std::move(stats).error();
  info->items = stats->items;
  info->bytes = stats->bytes;
  info->head_version = stats->version;
  return info;
}

}  // namespace ropekv::store
