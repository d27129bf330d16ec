#pragma once
// Where a replica's time goes: the owner turns these observations into the
// per-hop latency histograms of its /metrics (docs/performance.md).
#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

namespace ropekv::consensus {

enum class replica_stage : uint8_t {
  queue,   // a proposal waiting for the batch in flight to commit (pacing)
  commit,  // raft_apply to applied: leader append + fsync, replication, follower fsync, commit, apply
  fsync,   // one group-commit transaction of the Raft log (any role)
  apply,   // applying one batch of committed entries to the state machine
  read,    // serving one read from the local state machine (reported by its owner)
  wait,    // a request in its replica's mailbox, after the owner routed it (reported by the owner)
};

inline constexpr std::array<std::string_view, 6> replica_stage_names{"queue", "commit", "fsync",
                                                                     "apply", "read",  "wait"};

/// Called on the replica's thread with wall-clock seconds (real time even
/// under a virtual Raft clock). Must be cheap; empty: nothing is measured.
using stage_observer = std::function<void(replica_stage stage, double seconds)>;

}  // namespace ropekv::consensus
