#include "rows.hpp"

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::store::detail {

version_row read_row(const stmt& q, int c) {
  version_row r;
  r.pos = q.u64(c + 0);
  r.key = std::string(q.blob(c + 1));
  r.version = q.u64(c + 2);
  r.tp = q.u64(c + 3);
  r.kind = static_cast<row_kind>(q.i64(c + 4));
  r.value = std::string(q.blob(c + 5));
  r.has_rk2 = !q.is_null(c + 6);
  if (r.has_rk2) r.rk2 = std::string(q.blob(c + 6));
  r.expires_ms = q.i64(c + 7);
  r.ts_us = q.i64(c + 8);
  r.p_items = q.u64(c + 9);
  r.p_bytes = q.u64(c + 10);
  r.log_index = q.u64(c + 11);
  r.prev = q.u64(c + 12);
  if (!q.is_null(c + 13)) r.txn = std::string(q.blob(c + 13));
  return r;
}

status insert_version_row(database& db, const version_row& row, const std::string* rk2_key) {
  std::string computed;
  if (row.has_rk2 && rk2_key == nullptr) {
    auto k = keys::decode(row.key);
    if (!k) return std::move(k).error();
    computed = rk2_index_key(k->table, k->partition, k->hash_key, row.rk2, k->range_key);
    rk2_key = &computed;
  }
  auto q = db.prepare(
      "INSERT INTO kv_items(pos, key, version, tp, kind, value, rk2, rk2_key, expires_ms, ts_us,"
      " p_items, p_bytes, log_index, prev, txn)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  if (!q) return std::move(q).error();
  q->bind_u64(1, row.pos).bind_blob(2, row.key).bind_u64(3, row.version).bind_u64(4, row.tp);
  q->bind(5, static_cast<int64_t>(row.kind));
  if (row.kind == row_kind::put) q->bind_blob(6, row.value); else q->bind_null(6);
  if (row.has_rk2) q->bind_blob(7, row.rk2); else q->bind_null(7);
  if (row.has_rk2) q->bind_blob(8, *rk2_key); else q->bind_null(8);
  q->bind(9, row.expires_ms).bind(10, row.ts_us).bind_u64(11, row.p_items).bind_u64(12, row.p_bytes);
  q->bind_u64(13, row.log_index).bind_u64(14, row.prev);
  if (row.txn.empty()) q->bind_null(15); else q->bind_blob(15, row.txn);
  return q->run();
}

pb::Item to_item(const version_row& row, std::string_view hash_key, std::string_view range_key) {
  pb::Item it;
  it.set_table_id(tp_table(row.tp));
  it.set_hash_key(std::string(hash_key));
  it.set_range_key(std::string(range_key));
  if (row.kind == row_kind::put) it.set_value(row.value);
  if (row.has_rk2) {
    it.set_rk2(row.rk2);
    it.set_has_rk2(true);
  }
  it.set_version(row.version);
  it.set_expires_at_ms(row.expires_ms);
  return it;
}

result<pb::Item> to_item(const version_row& row) {
  auto k = keys::decode(row.key);
  if (!k) return std::move(k).error();
  return to_item(row, k->hash_key, k->range_key);
}

result<pb::ChangeEvent> to_event(const version_row& row) {
  auto it = to_item(row);
  if (!it) return std::move(it).error();
  pb::ChangeEvent ev;
  ev.set_position(row.pos);
  switch (row.kind) {
    case row_kind::put: ev.set_kind(row.prev == 0 ? pb::CHANGE_CREATE : pb::CHANGE_UPDATE); break;
    case row_kind::deleted: ev.set_kind(pb::CHANGE_DELETE); break;
    case row_kind::expired: ev.set_kind(pb::CHANGE_EXPIRED); break;
  }
  *ev.mutable_item() = std::move(*it);
  ev.set_partition(tp_partition(row.tp));
  ev.set_version(row.version);
  ev.set_timestamp_us(row.ts_us);
  ev.set_prev_version(row.prev);
  ev.set_txn_id(row.txn);
  return ev;
}

std::string rk2_index_key(uint32_t table, uint16_t partition, std::string_view hash_key,
                          std::string_view rk2, std::string_view range_key) {
  std::string out = keys::hash_key_prefix(table, partition, hash_key);
  keys::append_escaped(out, rk2);
  keys::append_escaped(out, range_key);
  return out;
}

}  // namespace ropekv::store::detail
