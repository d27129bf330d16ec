#pragma once
// BROKEN ON PURPOSE, for the chaos suite only (tests/chaos): with
// --unsafe-ack-before-commit (refused unless ROPEKV_TEST_ONLY=1) this owner
// answers every put "ok" as soon as it hands it to the replica, before the
// replica has proposed, committed or applied it, and whether or not it
// ever will (a follower, a deposed leader, a failed condition). Writes
// acknowledged this way get lost; the chaos suite runs with it to prove
// its checkers see that. Never documented in --help.
#include <optional>

#include "owner_actor_state.hpp"

namespace ropekv::segment_owner {

inline constexpr const char* unsafe_ack_flag = "--unsafe-ack-before-commit";

/// Removes the flag from argv. Its value: whether it was given; an error
/// message when it was given without ROPEKV_TEST_ONLY=1 in the environment.
struct unsafe_ack_request {
  bool enabled = false;
  std::string refusal;
};
unsafe_ack_request take_unsafe_ack_flag(int& argc, char** argv);

/// In the broken mode, for a put this owner hosts: the replica gets it
/// (its answer ignored) and the early "ok" is returned. nullopt otherwise.
std::optional<pb::WriteReply> unsafe_ack_before_commit(owner_pointer self, pb::WriteRequest& req);

}  // namespace ropekv::segment_owner
