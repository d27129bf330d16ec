#pragma once
// Deterministic simulation of cross-segment transactions (issue 12,
// docs/transactions.md): several segments with disjoint key ranges, each a
// Raft group of 3 replicas on 5 simulated nodes (sim_cluster over
// in_memory_network: Raft messages dropped and delayed, nodes crashed and
// restarted, nodes partitioned away), driven by simulated routers that
// follow services/router/txn_coordinator.cpp and txn_resolver.cpp step by
// step, over a router<->segment hop of their own that delays requests
// (sometimes past the router's segment timeout), delays and drops replies.
//
// Each transaction's coordinator crashes at one chosen step (crash_point,
// picked round-robin so that every step is hit many times); a lock sweep
// (LocksRequest -> TxnDecide(abort) at the primary -> TxnResolve with the
// decided outcome) finishes what they leave. After healing and quiescence
// the checker reads every segment's change feed and current items and
// reports every transaction that is not committed everywhere or nowhere.
// Same seed, same run. ROPEKV_TXN_SIM_TRACE=<txn id> (e.g. r33.a0) prints
// every step of that transaction as it reaches a replica, and its answer.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ropekv::segment::test {

/// Where a coordinator dies. Points past the step a transaction reaches
/// (e.g. resolves of one that aborted) do not crash it.
enum class crash_point : uint8_t {
  none,
  before_prepare,         // planned, nothing sent
  some_prepares_sent,     // sent prepares to 1..n-1 participants
  all_prepares_sent,      // every prepare sent, no answer seen
  some_prepares_answered, // 1..n-1 prepares answered
  all_prepares_answered,  // every prepare answered, nothing decided
  decide_sent,            // TxnDecide(commit) sent, its answer not seen
  decide_answered,        // committed at the primary, no resolve sent
  some_resolves_sent,     // TxnResolve(commit) sent to 1..n-2 others
  resolves_sent,          // every resolve sent, client answered
  abort_sent,             // aborting: some abort steps sent
  count_
};
inline constexpr size_t crash_points = static_cast<size_t>(crash_point::count_);
const char* to_string(crash_point p);

/// How lock resolution works. Only `correct` is the protocol; the broken
/// modes are negative controls that the checker must catch.
enum class resolver_mode : uint8_t {
  correct,                  // TxnDecide(abort) at the primary, then its outcome
  abort_without_primary,    // TxnResolve(abort) where the lock is, primary not asked
};

struct txn_sim_options {
  uint64_t seed = 1;
  unsigned segments = 5;            // 2..5
  unsigned nodes = 5;               // each segment on 3 of them
  unsigned items_per_segment = 6;
  unsigned transactions = 110;      // client requests in all
  unsigned coordinators = 4;        // concurrent routers running them
  bool node_faults = true;          // replica crashes/restarts and partitions
  bool message_faults = true;       // Raft drops/delays, router hop delays/drops
  bool late_requests = true;        // some router->segment requests arrive after the router's timeout
  resolver_mode resolver = resolver_mode::correct;
};

struct txn_sim_result {
  size_t requests = 0;
  size_t attempts = 0;               // transactions (txn ids) started
  size_t committed = 0;              // decided committed at their primary
  size_t aborted = 0;
  size_t acked_committed = 0;        // client answered committed
  size_t canceled = 0;               // client answered 409 condition failed
  size_t conflicts = 0;              // client answered 409 conflict
  size_t unknown = 0;                // client answered 503
  size_t coordinator_crashes = 0;
  std::array<size_t, crash_points> crash_hits{};  // crashes per point
  size_t node_crashes = 0;
  size_t partitions = 0;
  size_t late_requests = 0;          // router->segment requests delivered after the router's timeout
  size_t resolved_locks = 0;         // resolve_lock runs (sweep and conflicts)
  uint64_t virtual_ms = 0;
  bool quiesced = false;             // no locks left anywhere after healing
  bool converged = false;            // every segment's replicas have equal digests
  std::vector<std::string> violations;
  std::string summary() const;
};

txn_sim_result run_txn_sim(const txn_sim_options& options);

}  // namespace ropekv::segment::test
