// owner_state: what probes reveal (leaders, splits, finished moves) and the
// leader-side membership steps of moves (membership_plan.hpp).
#include <algorithm>

#include "membership_plan.hpp"
#include "owner_state.hpp"
#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {
namespace {

node_id leader_of(const pb::SegmentDescriptor& d) { return node_id{d.leader_hint()}; }

}  // namespace

probe_events owner_state::on_probe(segment_id group, const pb::SegmentDescriptor& seen) {
  probe_events ev;
  hosted_replica* r = by_group(group);
  if (r == nullptr) return ev;
  // A joined replica answers id 0 until its snapshot arrives: keep routing
  // by the assigned id meanwhile.
  if (seen.id() != 0 && seen.id() != r->segment.value) {
    ev.renamed = true;
    ev.previous_segment = r->segment.value;
    auto idx = by_segment_.find(r->segment.value);
    if (idx != by_segment_.end() && idx->second == group.value) by_segment_.erase(idx);
    r->segment = segment_id{seen.id()};
    by_segment_[seen.id()] = group.value;
    // The group is now the left half: its load and size are measured afresh.
    r->load.reset();
    r->measured = false;
  }
  if (leader_of(seen) != self_) {
    r->measured = false;  // a follower's figures would be stale
  } else if (seen.has_stats()) {
    r->measured = true;
    r->items = seen.stats().items();
    r->logical_bytes = seen.stats().bytes();
  }
  node_id leader{seen.leader_hint()};
  if (!r->probed || leader != r->leader) {
    ev.leader_changed = r->probed || leader.value != 0;
    ev.previous_leader = r->leader;
    ev.leader = leader;
  }
  bool was_leader = r->probed && r->leader == self_;
  r->probed = true;
  r->epoch = seen.epoch();
  if (seen.id() != 0) {
    r->start_key = seen.start_key();
    r->end_key = seen.end_key();
  }
  r->voters.assign(seen.replicas().begin(), seen.replicas().end());
  r->leader = leader;
  if (was_leader && leader != self_) {
    // Standbys this node added are the old leader's bookkeeping; a new
    // leader's owner starts from the configuration it sees.
    r->standbys.clear();
    r->step_in_flight = false;
  }
  if (r->assignment && r->assigned_epoch > r->adopted_epoch && !r->voters.empty()) {
    const auto& target = r->assignment->segment().replicas();
    if (same_members(r->voters, {target.begin(), target.end()})) {
      r->adopted_epoch = r->assigned_epoch;
      // Worth telling only when it moves the reported epoch past the
      // replica's own (a finished move, not a bootstrap).
      ev.adopted = r->adopted_epoch > r->epoch;
      ev.adopted_epoch = r->adopted_epoch;
    }
  }
  return ev;
}

std::optional<pb::MembershipRequest> owner_state::next_membership_step(segment_id group) {
  hosted_replica* r = by_group(group);
  if (r == nullptr || r->phase != replica_phase::running || !r->assignment || r->step_in_flight) return std::nullopt;
  // A bootstrap assignment is the group's first configuration, which the
  // replicas were created with: nothing to move.
  if (r->assignment->bootstrap()) return std::nullopt;
  membership_view v;
  v.self = self_;
  v.is_leader = r->probed && r->leader == self_;
  v.voters = r->voters;
  v.target.assign(r->assignment->segment().replicas().begin(), r->assignment->segment().replicas().end());
  v.standbys = r->standbys;
  for (const auto& p : r->assignment->peers()) v.addresses[p.id()] = p.address();
  auto step = segment_owner::next_membership_step(v);
  if (!step) return std::nullopt;
  step->mutable_routing()->set_segment_id(r->segment.value);
  r->step_in_flight = true;
  return step;
}

void owner_state::on_membership_reply(segment_id group, const pb::MembershipRequest& req,
                                      const pb::AdminReply& reply) {
  hosted_replica* r = by_group(group);
  if (r == nullptr) return;
  r->step_in_flight = false;
  const auto code = static_cast<errc>(reply.status().error_code());
  const bool ok = reply.status().error_code() == 0;
  if (reply.has_segment() && reply.segment().replicas_size() > 0)
    r->voters.assign(reply.segment().replicas().begin(), reply.segment().replicas().end());
  // Transient refusals (not the leader any more, another change in flight)
  // change nothing: the step is planned again after the next probe.
  if (!ok && (code == errc::not_leader || code == errc::unavailable || code == errc::timeout)) return;
  switch (req.op()) {
    case pb::MembershipRequest::ADD_NONVOTER:
      // A refusal here most likely means the node is a member already
      // (a previous leader added it): promoting it is the next step either way.
      r->standbys.insert(req.node_id());
      break;
    case pb::MembershipRequest::PROMOTE:
      // Done, or it was not a standby after all: add it (again) next.
      r->standbys.erase(req.node_id());
      break;
    default:
      break;
  }
}

}  // namespace ropekv::segment_owner
