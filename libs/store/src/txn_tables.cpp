#include "txn_tables.hpp"

#include <algorithm>

namespace ropekv::store::detail {

status lock_set::load(database& db) {
  by_key_.clear();
  keys_by_tp_.clear();
  auto q = db.prepare("SELECT key, tp, txn_id, primary_key, ts_us, op FROM kv_locks");
  if (!q) return std::move(q).error();
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return {};
    lock_row l;
    l.key = std::string(q->blob(0));
    l.tp = q->u64(1);
    l.txn_id = std::string(q->blob(2));
    l.primary_key = std::string(q->blob(3));
    l.ts_us = q->i64(4);
    auto op = q->blob(5);
    if (!l.op.ParseFromArray(op.data(), static_cast<int>(op.size()))) {
      return make_error(errc::corrupt, "kv_locks row with an unreadable op");
    }
    add(std::move(l));
  }
}

void lock_set::add(lock_row row) {
  keys_by_tp_[row.tp].push_back(row.key);
  std::string key = row.key;
  by_key_.insert_or_assign(std::move(key), std::move(row));
}

const lock_row* lock_set::on_key(std::string_view key) const {
  if (by_key_.empty()) return nullptr;
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

const lock_row* lock_set::on_partition(uint64_t tp, std::string_view except_txn) const {
  if (by_key_.empty()) return nullptr;
  auto it = keys_by_tp_.find(tp);
  if (it == keys_by_tp_.end()) return nullptr;
  for (const auto& key : it->second) {
    const lock_row* l = on_key(key);
    if (l != nullptr && l->txn_id != except_txn) return l;
  }
  return nullptr;
}

const lock_row* lock_set::within(std::string_view start, std::string_view end) const {
  if (by_key_.empty()) return nullptr;
  auto it = by_key_.lower_bound(start);
  if (it == by_key_.end() || (!end.empty() && it->first >= end)) return nullptr;
  return &it->second;
}

std::vector<lock_row> lock_set::of_txn(std::string_view txn) const {
  std::vector<lock_row> out;
  for (const auto& [key, l] : by_key_)
    if (l.txn_id == txn) out.push_back(l);
  return out;
}

status lock_set::insert(database& db, lock_row row) {
  auto q = db.prepare(
      "INSERT OR REPLACE INTO kv_locks(key, tp, txn_id, primary_key, ts_us, op)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!q) return std::move(q).error();
  std::string op = row.op.SerializeAsString();
  q->bind_blob(1, row.key).bind_u64(2, row.tp).bind_blob(3, row.txn_id);
  q->bind_blob(4, row.primary_key).bind(5, row.ts_us).bind_blob(6, op);
  if (auto r = q->run(); !r) return r;
  add(std::move(row));
  return {};
}

status lock_set::release(database& db, std::string_view txn) {
  auto q = db.prepare("DELETE FROM kv_locks WHERE txn_id=?1");
  if (!q) return std::move(q).error();
  q->bind_blob(1, txn);
  if (auto r = q->run(); !r) return r;
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    if (it->second.txn_id != txn) {
      ++it;
      continue;
    }
    auto& keys = keys_by_tp_[it->second.tp];
    keys.erase(std::remove(keys.begin(), keys.end(), it->first), keys.end());
    if (keys.empty()) keys_by_tp_.erase(it->second.tp);
    it = by_key_.erase(it);
  }
  return {};
}

result<std::optional<txn_record>> find_txn(database& db, std::string_view txn_id) {
  auto q = db.prepare("SELECT state, commit_version, ts_us, request_key, primary_key FROM kv_txns WHERE txn_id=?1");
  if (!q) return std::move(q).error();
  q->bind_blob(1, txn_id);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<txn_record>{};
  txn_record r;
  r.txn_id = std::string(txn_id);
  r.state = static_cast<pb::TxnState>(q->i64(0));
  r.commit_version = q->u64(1);
  r.ts_us = q->i64(2);
  r.request_key = std::string(q->blob(3));
  r.primary_key = std::string(q->blob(4));
  return std::optional<txn_record>(std::move(r));
}

status save_txn(database& db, const txn_record& r) {
  auto q = db.prepare(
      "INSERT OR REPLACE INTO kv_txns(txn_id, state, commit_version, ts_us, request_key, primary_key)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
  if (!q) return std::move(q).error();
  q->bind_blob(1, r.txn_id).bind(2, static_cast<int64_t>(r.state)).bind_u64(3, r.commit_version);
  q->bind(4, r.ts_us).bind_blob(5, r.request_key).bind_blob(6, r.primary_key);
  return q->run();
}

result<std::optional<request_row>> find_request(database& db, std::string_view request_key) {
  auto q = db.prepare("SELECT ts_us, fingerprint, result FROM kv_requests WHERE request_key=?1");
  if (!q) return std::move(q).error();
  q->bind_blob(1, request_key);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<request_row>{};
  request_row r;
  r.ts_us = q->i64(0);
  r.fingerprint = q->u64(1);
  auto bytes = q->blob(2);
  if (!r.result.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return make_error(errc::corrupt, "kv_requests row with an unreadable result");
  }
  return std::optional<request_row>(std::move(r));
}

status save_request(database& db, std::string_view request_key, const request_row& r) {
  auto q = db.prepare(
      "INSERT OR REPLACE INTO kv_requests(request_key, ts_us, fingerprint, result)"
      " VALUES(?1, ?2, ?3, ?4)");
  if (!q) return std::move(q).error();
  std::string bytes = r.result.SerializeAsString();
  q->bind_blob(1, request_key).bind(2, r.ts_us).bind_u64(3, r.fingerprint).bind_blob(4, bytes);
  return q->run();
}

status expire_txn_rows(database& db, int64_t before_us) {
  auto q = db.prepare("DELETE FROM kv_requests WHERE ts_us<?1");
  if (!q) return std::move(q).error();
  q->bind(1, before_us);
  if (auto r = q->run(); !r) return r;
  auto t = db.prepare("DELETE FROM kv_txns WHERE ts_us<?1 AND state<>?2");
  if (!t) return std::move(t).error();
  t->bind(1, before_us).bind(2, static_cast<int64_t>(pb::TXN_PENDING));
  return t->run();
}

pb::LockInfo lock_info(const lock_row& l, int64_t now_us) {
  pb::LockInfo info;
  info.set_txn_id(l.txn_id);
  info.set_primary_key(l.primary_key);
  info.set_key(l.key);
  info.set_age_ms(now_us > l.ts_us ? static_cast<uint64_t>(now_us - l.ts_us) / 1000 : 0);
  return info;
}

}  // namespace ropekv::store::detail
