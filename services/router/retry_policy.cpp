#include "retry_policy.hpp"

#include <algorithm>

namespace ropekv::router {
namespace {

using action = retry_decision::action;

bool tried(const retry_state& s, node_id n) {
  return std::find(s.tried.begin(), s.tried.end(), n) != s.tried.end();
}

// The next replica not yet tried; once all were, keep cycling through the
// replicas after the current one. Not back to the preferred node: after a
// leader's crash the rope still prefers the dead node until placement
// learns of the election, and only the survivors can say who won.
node_id next_replica(const segment_target& t, const retry_state& s) {
  for (node_id n : t.replicas)
    if (!tried(s, n) && n != s.current) return n;
  auto it = std::find(t.replicas.begin(), t.replicas.end(), s.current);
  if (it == t.replicas.end() || t.replicas.size() < 2) return t.preferred();
  return ++it == t.replicas.end() ? t.replicas.front() : *it;
}

retry_decision give_up(std::string message) {
  return retry_decision{action::give_up, {}, {}, errc::unavailable, std::move(message)};
}

}  // namespace

outcome_kind classify_status(uint32_t code) noexcept {
  switch (static_cast<errc>(code)) {
    case errc::not_leader: return outcome_kind::not_leader;
    case errc::wrong_segment: return outcome_kind::wrong_segment;
    case errc::unavailable:
    case errc::timeout: return outcome_kind::unavailable;
    case errc::insufficient_storage: return outcome_kind::insufficient_storage;
    default: return outcome_kind::final_reply;
  }
}

std::chrono::milliseconds backoff(const retry_options& opts, uint32_t attempts) {
  if (attempts == 0) return std::chrono::milliseconds{0};
  auto d = opts.backoff_base;
  for (uint32_t i = 1; i < attempts && d < opts.backoff_max; ++i) d *= 2;
  return std::min(d, opts.backoff_max);
}

retry_decision decide(const retry_options& opts, op_class op, const segment_target& target,
                      const retry_state& state, const attempt_outcome& outcome) {
  if (outcome.kind == outcome_kind::final_reply) return retry_decision{};
  const bool unknown_outcome = outcome.kind == outcome_kind::unavailable ||
                               outcome.kind == outcome_kind::timeout ||
                               outcome.kind == outcome_kind::down;
  if (unknown_outcome && op == op_class::conditional_write)
    return give_up("conditional write outcome unknown (" + outcome.message +
                   "); read the item before retrying");
  if (outcome.kind == outcome_kind::insufficient_storage) {
    size_t full = 0;
    for (node_id n : target.replicas)
      if (std::find(state.full.begin(), state.full.end(), n) != state.full.end()) ++full;
    if (full * 2 > target.replicas.size() || state.attempts >= opts.max_attempts)
      return retry_decision{action::give_up, {}, {}, errc::insufficient_storage,
                            "no quorum of segment " + std::to_string(target.segment.value) +
                                " can write: " + std::to_string(full) + " of " +
                                std::to_string(target.replicas.size()) + " replicas have a full disk (" +
                                outcome.message + ")"};
  }
  if (state.attempts >= opts.max_attempts)
    return give_up("segment " + std::to_string(target.segment.value) + " did not answer after " +
                   std::to_string(state.attempts) + " attempts: " + outcome.message);
  switch (outcome.kind) {
    case outcome_kind::not_leader:
      // A hint names the leader: go there at once, however often we have
      // asked it before (leadership moved to it since).
      if (outcome.leader_hint.value != 0 && outcome.leader_hint != state.current)
        return retry_decision{action::retry_node, outcome.leader_hint, {}, {}, {}};
      return retry_decision{action::retry_node, next_replica(target, state),
                            backoff(opts, state.attempts), {}, {}};
    case outcome_kind::wrong_segment:
      // The first refresh goes at once: placement usually has the new rope.
      return retry_decision{action::refresh, {}, backoff(opts, state.attempts > 0 ? state.attempts - 1 : 0), {}, {}};
    default:
      return retry_decision{action::retry_node, next_replica(target, state),
                            backoff(opts, state.attempts), {}, {}};
  }
}

}  // namespace ropekv::router
