// segment_store::totals(): the sum of every partition's aggregates, for the
// owner's split decisions (DESIGN §6). Partitions are found by a loose
// index scan over kv_items(tp, version) -- one seek per partition instead of
// a walk over every row -- plus the partition rows a split or compaction
// wrote (a partition may keep state with no rows left).
#include <set>

#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {

result<store_totals> segment_store::totals() {
  auto& s = *s_;
  std::set<uint64_t> tps;
  for (uint64_t from = 0;;) {
    // A fresh (cached) statement per seek: a statement is reset when its
    // handle goes, never re-bound half-stepped.
    auto q = s.db->prepare("SELECT tp FROM kv_items WHERE tp >= ?1 ORDER BY tp LIMIT 1");
    if (!q) return std::move(q).error();
    q->bind_u64(1, from);
    auto r = q->step();
    if (!r) return std::move(r).error();
    if (!*r) break;
    uint64_t tp = q->u64(0);
    tps.insert(tp);
    from = tp + 1;
  }
  auto rows = s.db->prepare("SELECT tp FROM kv_partitions");
  if (!rows) return std::move(rows).error();
  for (;;) {
    auto r = rows->step();
    if (!r) return std::move(r).error();
    if (!*r) break;
    tps.insert(rows->u64(0));
  }
  store_totals out;
  for (uint64_t tp : tps) {
    auto st = s.parts->get(tp);
    if (!st) return std::move(st).error();
    out.items += (*st)->items;
    out.bytes += (*st)->bytes;
    if ((*st)->items != 0) ++out.partitions;
  }
  return out;
}

}  // namespace ropekv::store
