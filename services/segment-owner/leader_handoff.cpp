#include "leader_handoff.hpp"

#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {

const char* to_string(handoff_outcome outcome) {
  switch (outcome) {
    case handoff_outcome::ok: return "ok";
    case handoff_outcome::not_leader: return "not_leader";
    case handoff_outcome::failed: return "failed";
  }
  return "failed";
}

handoff_outcome classify_transfer(const pb::AdminReply& reply, node_id self) {
  uint64_t leader = reply.segment().leader_hint();
  if (reply.status().error_code() == 0) {
    // libs/segment answers ok only once another node leads; the descriptor
    // is checked anyway: ok means a known leader that is not this node.
    return leader != 0 && leader != self.value ? handoff_outcome::ok : handoff_outcome::failed;
  }
  if (reply.status().error_code() == static_cast<uint32_t>(errc::not_leader)) return handoff_outcome::not_leader;
  return handoff_outcome::failed;
}

std::vector<segment_id> leader_handoff::pending_groups() const {
  std::vector<segment_id> out;
  out.reserve(pending_.size());
  for (uint64_t g : pending_) out.push_back(segment_id{g});
  return out;
}

}  // namespace ropekv::segment_owner
