#pragma once
// The transaction tables of a segment store and their in-memory mirror:
// kv_locks (a pending transaction's locks), kv_txns (transaction records at
// their primary, and each participant's mark of a transaction it resolved,
// which refuses a late prepare of it; "records at
// their primary) and kv_requests (first outcomes of de-duplicated
// requests). Every function runs inside the caller's write transaction.
//
// Locks. A prepared transaction holds one lock per item it touches (put,
// delete, check or get), and through it the item's partition (tp): while
// any lock is held in a partition, other writes there fail with
// errc::locked, so no version is issued in it until the transaction is
// resolved, which is what lets every write of the transaction take the one
// commit version the router chose (docs/transactions.md). Reads fail with
// errc::locked only on the locked items themselves. Locks are few and
// short-lived, so all of them are mirrored in memory (lock_set) and the
// checks on the hot path cost a hash lookup, none when there are no locks.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"
#include "sqlite.hpp"

namespace ropekv::store::detail {

struct lock_row {
  std::string key;
  uint64_t tp = 0;
  std::string txn_id;
  std::string primary_key;
  int64_t ts_us = 0;
  pb::TxnOp op;
};

class lock_set {
 public:
  /// Loads every kv_locks row (open, reload).
  status load(database& db);
  bool empty() const { return by_key_.empty(); }
  const lock_row* on_key(std::string_view key) const;
  /// Some lock in the partition held by a transaction other than `txn`.
  const lock_row* on_partition(uint64_t tp, std::string_view except_txn = {}) const;
  /// The first lock with a key in [start, end) (end empty: +infinity).
  const lock_row* within(std::string_view start, std::string_view end) const;
  /// The locks of one transaction, in key order.
  std::vector<lock_row> of_txn(std::string_view txn) const;
  const std::map<std::string, lock_row, std::less<>>& all() const { return by_key_; }

  status insert(database& db, lock_row row);
  /// Deletes every lock of `txn`.
  status release(database& db, std::string_view txn);

 private:
  void add(lock_row row);
  std::map<std::string, lock_row, std::less<>> by_key_;
  std::unordered_map<uint64_t, std::vector<std::string>> keys_by_tp_;
};

struct txn_record {
  std::string txn_id;
  pb::TxnState state = pb::TXN_UNKNOWN;
  uint64_t commit_version = 0;
  int64_t ts_us = 0;
  std::string request_key;
  std::string primary_key;
};

result<std::optional<txn_record>> find_txn(database& db, std::string_view txn_id);
status save_txn(database& db, const txn_record& r);

struct request_row {
  int64_t ts_us = 0;
  uint64_t fingerprint = 0;
  pb::MutationResult result;
};

result<std::optional<request_row>> find_request(database& db, std::string_view request_key);
status save_request(database& db, std::string_view request_key, const request_row& r);

/// Drops requests and decided transaction records older than `before_us`
/// (pending records stay until decided).
status expire_txn_rows(database& db, int64_t before_us);

/// The LockInfo of a lock as seen at now_us.
pb::LockInfo lock_info(const lock_row& l, int64_t now_us);

}  // namespace ropekv::store::detail
