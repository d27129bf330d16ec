// Change feed (changes_since) and the TTL sweep. Both read the version rows
// in an order other than by key: by position, and by expiry.
#include <algorithm>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {
namespace {

constexpr size_t max_events = 10000;

}  // namespace

result<std::vector<pb::ChangeEvent>> segment_store::changes_since(uint64_t position, size_t limit) {
  auto& s = *s_;
  if (position < s.meta.feed_floor) {
    return make_error(errc::version_gone, "change feed compacted past position " +
                                              std::to_string(position) + " (floor " +
                                              std::to_string(s.meta.feed_floor) + "); re-scan");
  }
  limit = std::clamp<size_t>(limit, 1, max_events);
  std::vector<pb::ChangeEvent> items, voids;
  {
    auto q = s.db->prepare("SELECT " RKV_ROW_COLS " FROM kv_items WHERE pos>?1 ORDER BY pos LIMIT ?2");
    if (!q) return std::move(q).error();
    q->bind_u64(1, position).bind_u64(2, limit);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      auto ev = detail::to_event(detail::read_row(*q));
      if (!ev) return std::move(ev).error();
      items.push_back(std::move(*ev));
    }
  }
  {
    auto q = s.db->prepare(
        "SELECT pos, tp, lo, hi, ts_us FROM kv_voids WHERE pos>?1 ORDER BY pos LIMIT ?2");
    if (!q) return std::move(q).error();
    q->bind_u64(1, position).bind_u64(2, limit);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      pb::ChangeEvent ev;
      ev.set_position(q->u64(0));
      ev.set_kind(pb::CHANGE_ROLLBACK);
      ev.mutable_item()->set_table_id(detail::tp_table(q->u64(1)));
      ev.set_partition(detail::tp_partition(q->u64(1)));
      ev.set_rollback_to_version(q->u64(2));
      ev.set_version(q->u64(3));
      ev.set_timestamp_us(q->i64(4));
      voids.push_back(std::move(ev));
    }
  }
  std::vector<pb::ChangeEvent> out;
  out.reserve(std::min(limit, items.size() + voids.size()));
  size_t i = 0, v = 0;
  while (out.size() < limit && (i < items.size() || v < voids.size())) {
    bool take_item = v == voids.size() ||
                     (i < items.size() && items[i].position() < voids[v].position());
    out.push_back(std::move(take_item ? items[i++] : voids[v++]));
  }
  return out;
}

result<std::vector<pb::Mutation>> segment_store::sweep(int64_t now_us, size_t limit) {
  auto& s = *s_;
  std::vector<pb::Mutation> out;
  if (limit == 0 || now_us <= 0) return out;
  int64_t now_ms = now_us / 1000;  // expired: expires_ms * 1000 <= now_us
  auto q = s.db->prepare(
      "SELECT pos, key, version, tp, expires_ms FROM kv_items WHERE expires_ms > 0"
      " AND expires_ms >= ?1 AND expires_ms <= ?2 ORDER BY expires_ms");
  if (!q) return std::move(q).error();
  q->bind(1, s.sweep_floor_ms).bind(2, now_ms);
  bool all_stale = true;
  while (out.size() < limit) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    uint64_t version = q->u64(2), tp = q->u64(3);
    int64_t expires = q->i64(4);
    std::string key(q->blob(1));
    bool candidate = false;
    if (!s.parts->is_void(tp, version)) {
      auto cur = s.latest(key, tp, 0);
      if (!cur) return std::move(cur).error();
      candidate = *cur && (*cur)->version == version && (*cur)->kind == detail::row_kind::put;
    }
    if (!candidate) {
      // Superseded or voided rows stay so until a rollback: skip them next time.
      if (all_stale) s.sweep_floor_ms = expires;
      continue;
    }
    all_stale = false;
    auto k = keys::decode(key);
    if (!k) return std::move(k).error();
    pb::Mutation m;
    m.set_timestamp_us(now_us);
    auto* e = m.mutable_expire();
    e->set_table_id(k->table);
    e->set_hash_key(std::move(k->hash_key));
    e->set_range_key(std::move(k->range_key));
    e->set_version(version);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ropekv::store
