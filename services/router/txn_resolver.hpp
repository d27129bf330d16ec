#pragma once
// Finishing transactions from the outside (docs/transactions.md): a
// request that meets a lock of a transaction presumed dead, the lock sweep,
// and a coordinator's own commit all come here.
//
// A transaction's outcome is decided in one place, the record at its
// primary (TxnDecide through the primary segment's log): the first decision
// wins and every later one is answered with it. So a resolver asks the
// primary to abort, learns "committed at V" or "aborted", and applies that
// where the lock is (TxnResolve through that segment's log). Both steps are
// idempotent, so resolvers may race each other and the coordinator.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <functional>
#include <string>

#include "request_runtime.hpp"

namespace ropekv::router {

/// The primary's decision: decide.commit() commits a pending transaction
/// (with its version and outcome); otherwise a pending or unknown one is
/// aborted. The reply says what the transaction ended as.
void decide_txn(request_runtime& rt, pb::TxnDecide decide,
                std::function<void(net::http_result<pb::MutationResult>)> done);

/// Applies a decided transaction at the segment holding `key`.
void apply_outcome(request_runtime& rt, std::string txn_id, const std::string& key, bool commit,
                   uint64_t commit_version, std::function<void(bool ok)> done);

/// Ends the transaction holding `lock` (abort unless it committed) and
/// applies the outcome where the lock is. done(false): some step failed
/// (the caller retries, which meets the lock again).
void resolve_lock(request_runtime& rt, const pb::LockInfo& lock, std::function<void(bool ok)> done);

/// Every lock_sweep_interval, asks segments' leaders (up to 64 per round,
/// going round the rope) for locks older than the router's txn_lock_ttl
/// and resolves them: transactions whose coordinator died after its commit
/// are finished even if nobody reads their items.
/// Stop it with an exit message.
caf::actor start_lock_sweep(caf::actor_system& sys, std::shared_ptr<router_shared> shared,
                      owner_directory_actor directory, placement_link_actor link);

}  // namespace ropekv::router
