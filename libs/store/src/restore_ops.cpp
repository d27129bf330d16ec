// Restore (docs/backup.md "Backup and restore"): a batch of backed-up items
// written with their versions. The version is kept when it is above what
// the item's partition issued (a new table: always, since the batch of a
// partition comes in ascending version order); otherwise the write takes
// the partition's next version, like any write. A key that already holds
// the item's version or a newer one is skipped: a batch retried after a
// leader change or a split applies nothing twice.
#include "ropekv/keys/key_codec.hpp"
#include "store_state.hpp"

namespace ropekv::store::detail {

result<pb::MutationResult> apply_restore(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                         txn_context& ctx) {
  const auto& items = m.restore().items();
  // All or nothing for routing: a batch routed by a stale rope is refused
  // whole, before anything is written.
  for (const auto& item : items) {
    if (!s.in_segment(keys::encode(keys::make_key(item.table_id(), item.hash_key(), item.range_key())))) {
      return failed(errc::wrong_segment, "restore batch holds a key outside the segment");
    }
  }
  pb::MutationResult out;
  for (const auto& item : items) {
    auto r = resolve_target(s, m.timestamp_us(), item.table_id(), item.hash_key(), item.range_key(),
                            ctx.txn_id);
    if (!r) return std::move(r).error();
    if (auto* f = std::get_if<pb::MutationResult>(&*r)) return std::move(*f);
    auto& t = std::get<item_target>(*r);
    if (t.current && t.current->version >= item.version()) continue;
    pb::Mutation put;
    put.set_timestamp_us(m.timestamp_us());
    *put.mutable_put()->mutable_item() = item;
    ctx.version_floor = item.version();
    auto w = apply_put_to(s, put, t, log_index, ctx);
    ctx.version_floor = 0;
    if (!w) return std::move(w).error();
    if (w->error_code() != 0) return std::move(*w);
    out.set_position(w->position());
    out.set_version(w->version());
  }
  return out;
}

}  // namespace ropekv::store::detail
