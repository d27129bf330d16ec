#pragma once
// txn_coordinator: runs one POST /v1/transact on the request actor
// (docs/transactions.md has the protocol and why it is safe).
//
//   one segment   -> one Transact entry (one-phase): all or nothing there.
//   several       -> TxnPrepare on every participant at once (each checks
//                    its conditions, reads, locks its partitions; the
//                    primary also records the transaction, pending); then
//                    TxnDecide(commit, version = max of the participants'
//                    floors) at the primary: the commit point. The client
//                    is answered then; the other participants apply their
//                    part (TxnResolve) in a background job, and anyone who
//                    meets one of their locks first does it for them.
//
// A participant that finds an item locked by another transaction answers
// `locked` at once (no waiting, so no deadlock): this attempt is aborted
// everywhere and the whole transaction is tried again, up to max_attempts
// (then 409 conflict). Wound-wait decides who yields: transaction ids
// start with the first attempt's time, so a transaction that meets the
// lock of a younger one (or any lock older than txn_lock_ttl) ends it
// (txn_resolver.hpp: abort unless committed) and retries at once; one that
// meets an older one backs off (jittered). The oldest transaction never
// loses, so none starves for long. A failed condition cancels it (409
// transaction_canceled, with a reason per op). A router that dies at any
// point leaves at most locks and a pending record, which the lock sweep of
// any router ends: committed if the primary recorded the commit, else
// aborted.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "request_runtime.hpp"
#include "transact_request.hpp"

namespace ropekv::router {

struct txn_outcome {
  enum class kind : uint8_t { committed, canceled, failed } what = kind::failed;
  std::vector<pb::TxnOpResult> results;  // committed / canceled: one per op, by index
  uint64_t version = 0;                  // committed: the commit version
  bool deduplicated = false;             // committed earlier under this request_id
  net::http_error error = net::http_error::from(errc::internal, "not run");  // failed
};

class txn_coordinator : public std::enable_shared_from_this<txn_coordinator> {
 public:
  static constexpr uint32_t max_attempts = 12;

  txn_coordinator(request_runtime& rt, txn_request req, std::function<void(txn_outcome)> done);
  void start() { plan(); }

 private:
  struct prepared {
    std::optional<net::http_result<pb::WriteReply>> reply;
  };

  void plan();
  void one_phase();
  void prepare_all();
  void on_prepared();
  void commit();
  /// Aborts this attempt everywhere it may hold locks, then runs `next`.
  void abort_then(std::function<void()> next);
  /// Lost to another transaction: try again later (resolving a stale lock first).
  void conflict(const pb::LockInfo* lock, std::string why);
  void replan_after_refresh();
  void finish(txn_outcome outcome);
  void fail(net::http_error err);
  pb::TxnPrepare prepare_of(const txn_participant& p) const;

  request_runtime& rt_;
  txn_request req_;
  std::function<void(txn_outcome)> done_;
  std::string request_key_;
  uint64_t started_us_;  // first attempt: the transaction's age for wound-wait
  std::string txn_id_;
  uint32_t attempts_ = 0;
  std::vector<txn_participant> participants_;
  std::vector<prepared> prepared_;
  size_t pending_ = 0;
  bool finished_ = false;
};

/// Runs the coordinator for `req`; `done` gets the outcome once.
void run_transaction(request_runtime& rt, txn_request req, std::function<void(txn_outcome)> done);

}  // namespace ropekv::router
