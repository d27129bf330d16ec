#pragma once
// Leader handoff on a graceful stop (DESIGN §5: a rolling restart moves
// leadership first). Before its replica actors close, a stopping owner
// asks each of them for a leadership transfer (MembershipRequest
// TRANSFER_LEADER, node 0: c-raft picks the most up-to-date other voter);
// a replica that does not lead answers not_leader and is simply closed.
// The owner waits for every answer, bounded by the handoff budget, then
// closes every replica as before. This is the bookkeeping only (no CAF):
// which answers are still due and what an answer means.
#include <cstddef>
#include <set>
#include <vector>

#include "ropekv/proto/service.pb.h"
#include "ropekv/common/ids.hpp"

namespace ropekv::segment_owner {

enum class handoff_outcome {
  ok,          // another voter leads now
  not_leader,  // this replica did not lead: nothing to hand off
  failed,      // still leads, or no leader known: the group will elect
};

const char* to_string(handoff_outcome outcome);

/// What a TRANSFER_LEADER reply from the replica on `self` means.
handoff_outcome classify_transfer(const pb::AdminReply& reply, node_id self);

/// The transfer requests a stopping owner still waits for.
class leader_handoff {
 public:
  void expect(segment_id group) { pending_.insert(group.value); }
  /// Records the answer (or the failure, or the replica going down) for
  /// `group`; false if none was due (answered already, or never asked).
  bool settle(segment_id group) { return pending_.erase(group.value) != 0; }
  bool done() const { return pending_.empty(); }
  size_t pending() const { return pending_.size(); }
  std::vector<segment_id> pending_groups() const;

 private:
  std::set<uint64_t> pending_;
};

}  // namespace ropekv::segment_owner
