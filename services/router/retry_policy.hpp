#pragma once
// retry_policy: what the router does after one attempt at a segment
// request. A pure function, so every rule below has a unit test.
//
//   outcome             read                      write
//   final reply         finish                    finish
//   not_leader, hint h  retry at h now            retry at h now
//   not_leader, no hint next replica, backoff     next replica, backoff
//   wrong_segment       refresh rope, re-plan     refresh rope, re-plan
//   unavailable reply   next replica, backoff     idempotent: same;
//                                                 conditional: give up
//   connect failed      next replica, backoff     next replica, backoff
//   timeout / down      next replica, backoff     idempotent: same;
//                                                 conditional: give up
//   insufficient_storage next replica, backoff;   same (never proposed)
//                       507 once a majority of the group's replicas said so
//
// Why writes differ: not_leader, wrong_segment and a failed connect mean the
// write was never proposed, so retrying is safe. After a timeout, a replica
// that went down mid-request, or an `unavailable` reply, the write may have
// been applied. Puts, deletes and rollbacks without a condition converge
// when repeated; a conditional write would report a spurious 412 on its own
// success, so the client gets 503 (outcome unknown) and decides.
//
// Bounds: at most max_attempts attempts in all (and the request deadline);
// then 503 `unavailable`. Backoff doubles from backoff_base up to
// backoff_max: the defaults wait about five seconds in all. That must cover
// a whole Raft election after a leader's crash (detection after the
// election timeout, up to twice that with c-raft's randomization, plus a
// vote round) on a loaded machine: a budget of one second gave clients 503s
// during rolling restarts and kill -9 tests (tests/integration).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/common/errc.hpp"
#include "ropekv/common/ids.hpp"
#include "request_planner.hpp"

namespace ropekv::router {

struct retry_options {
  uint32_t max_attempts = 40;
  std::chrono::milliseconds backoff_base{4};
  std::chrono::milliseconds backoff_max{150};
};

enum class op_class : uint8_t { read, idempotent_write, conditional_write };

enum class outcome_kind : uint8_t {
  final_reply,     // ok, or an error the client must see (404, 412, ...)
  not_leader,
  wrong_segment,
  unavailable,     // the replica answered `unavailable` or `timeout`
  connect_failed,  // no handle for the node: the request was never sent
  timeout,         // no reply in time
  down,            // the replica's actor went away while asked
  insufficient_storage,  // the replica's disk is full (it proposed nothing)
};

struct attempt_outcome {
  outcome_kind kind = outcome_kind::final_reply;
  node_id leader_hint;  // not_leader only
  std::string message;  // for the final 503
};

/// Where a request stands: attempts made, the node just asked, and the
/// nodes already tried since the last re-plan.
struct retry_state {
  uint32_t attempts = 0;
  node_id current;
  std::vector<node_id> tried;
  /// Nodes that answered insufficient_storage: when they are a majority of
  /// the group, no quorum can write and the answer is 507.
  std::vector<node_id> full;
};

struct retry_decision {
  enum class action : uint8_t { finish, retry_node, refresh, give_up } what = action::finish;
  node_id node;                         // retry_node
  std::chrono::milliseconds delay{0};   // retry_node, refresh
  errc code = errc::unavailable;        // give_up
  std::string message;                  // give_up
};

/// Classifies a reply's pb::Status code.
outcome_kind classify_status(uint32_t error_code) noexcept;

retry_decision decide(const retry_options& opts, op_class op, const segment_target& target,
                      const retry_state& state, const attempt_outcome& outcome);

/// Backoff before attempt number `attempts` + 1.
std::chrono::milliseconds backoff(const retry_options& opts, uint32_t attempts);

}  // namespace ropekv::router
