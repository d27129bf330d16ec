#pragma once
// membership_plan: the next step that moves a Raft group's configuration
// to the replica set placement assigned (a repair or balance move), taken
// by the owner whose replica leads the group — one change at a time, as
// libs/segment requires:
//   1. each target node missing from the voters is added as a non-voter
//      (it catches up from a snapshot), then promoted (c-raft runs catch-up
//      rounds before the promotion commits);
//   2. then each voter outside the target is removed — the others first;
//      if the leader itself must go, it hands leadership to a target voter
//      and the new leader's owner removes it.
// When the voters equal the target the move is done: the replicas adopt
// the assignment's epoch (owner_state) and report it; placement then
// changes the rope and drops the removed node's replica.
//
// Pure function of its inputs; no state.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::segment_owner {

struct membership_view {
  node_id self;
  bool is_leader = false;
  std::vector<uint64_t> voters;       // as the leader's replica reports them
  std::vector<uint64_t> target;       // the assignment's segment.replicas
  std::set<uint64_t> standbys;        // nodes this leader added as non-voters
  std::map<uint64_t, std::string> addresses;  // node -> "host:port"
};

/// nullopt: nothing to do (not the leader, already there, or an address
/// is missing). The request's routing is left for the caller to fill.
std::optional<pb::MembershipRequest> next_membership_step(const membership_view& v);

/// Same set of node ids, order aside.
bool same_members(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b);

}  // namespace ropekv::segment_owner
