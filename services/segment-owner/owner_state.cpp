// owner_state: hosting, forwarding, placement's messages and reports.
// Probes and membership steps live in owner_state_membership.cpp.
#include "owner_state.hpp"

#include <algorithm>

#include "membership_plan.hpp"
#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {

namespace {

bool names(const pb::SegmentAssignment& a, node_id n) {
  const auto& r = a.segment().replicas();
  return std::find(r.begin(), r.end(), n.value) != r.end();
}

}  // namespace

// --------------------------------------------------------------- hosting

hosted_replica& owner_state::host(segment_id group, std::string path,
                                  std::optional<pb::SegmentAssignment> assignment) {
  forget(group);
  hosted_replica r;
  r.group = group;
  r.segment = group;
  r.path = std::move(path);
  if (assignment) {
    uint64_t seg = assignment->segment().id();
    r.assigned_epoch = assignment->segment().epoch();
    if (seg != 0) {
      r.segment = segment_id{seg};
      auto& seen = seen_epochs_[seg];
      seen = std::max(seen, r.assigned_epoch);
    }
    r.assignment = std::move(assignment);
  }
  by_segment_[r.segment.value] = group.value;
  return replicas_[group.value] = std::move(r);
}

hosted_replica* owner_state::by_group(segment_id group) {
  auto it = replicas_.find(group.value);
  return it == replicas_.end() ? nullptr : &it->second;
}

const hosted_replica* owner_state::by_group(segment_id group) const {
  auto it = replicas_.find(group.value);
  return it == replicas_.end() ? nullptr : &it->second;
}

hosted_replica* owner_state::by_segment(uint64_t segment) {
  auto it = by_segment_.find(segment);
  return it == by_segment_.end() ? nullptr : by_group(segment_id{it->second});
}

void owner_state::forget(segment_id group) {
  auto it = replicas_.find(group.value);
  if (it == replicas_.end()) return;
  auto idx = by_segment_.find(it->second.segment.value);
  if (idx != by_segment_.end() && idx->second == group.value) by_segment_.erase(idx);
  replicas_.erase(it);
}

void owner_state::set_phase(segment_id group, replica_phase phase) {
  if (auto* r = by_group(group)) r->phase = phase;
}

// ------------------------------------------------------------ forwarding

route owner_state::route_request(const pb::Routing& routing, load_kind kind) {
  route out;
  if (routing.segment_id() == 0) {
    out.why = "request names no segment";
    return out;
  }
  hosted_replica* r = by_segment(routing.segment_id());
  if (r == nullptr) {
    out.why = "segment " + std::to_string(routing.segment_id()) + " is not hosted on node " +
              std::to_string(self_.value);
    return out;
  }
  out.group = r->group;
  switch (r->phase) {
    case replica_phase::dropping:
      out.why = "segment " + std::to_string(routing.segment_id()) + " is leaving node " + std::to_string(self_.value);
      return out;
    case replica_phase::reopening:
      out.what = route::kind::unavailable;
      out.why = "replica of segment " + std::to_string(routing.segment_id()) + " is reopening";
      return out;
    case replica_phase::running:
      break;
  }
  out.what = route::kind::forward;
  // Only once a probe showed the replica's epoch behind the assigned one.
  out.clear_epoch = r->probed && routing.epoch() > r->epoch && routing.epoch() <= r->assigned_epoch;
  if (kind == load_kind::read) {
    ++r->reads;
    r->load.record_read();
  }
  if (kind == load_kind::write) {
    ++r->writes;
    r->load.record_write();
  }
  return out;
}

std::optional<segment_id> owner_state::route_envelope(const pb::RaftEnvelope& envelope) const {
  const hosted_replica* r = by_group(segment_id{envelope.segment_id()});
  if (r == nullptr || r->phase != replica_phase::running) return std::nullopt;
  if (envelope.to_node() != self_.value) return std::nullopt;
  return r->group;
}

// ------------------------------------------------------------- placement

assignment_decision owner_state::on_assignment(const pb::SegmentAssignment& a, bool file_exists) {
  using kind = assignment_decision::kind;
  assignment_decision out;
  const uint64_t seg = a.segment().id();
  const uint64_t epoch = a.segment().epoch();
  if (seg == 0) return out;
  uint64_t& seen = seen_epochs_[seg];
  if (epoch < seen) {
    out.what = kind::stale;
    return out;
  }
  seen = epoch;
  if (hosted_replica* r = by_segment(seg)) {
    out.group = r->group;
    if (r->phase == replica_phase::dropping) {
      out.what = kind::dropping;
      return out;
    }
    r->assignment = a;
    r->assigned_epoch = epoch;
    if (r->probed && same_members(r->voters, {a.segment().replicas().begin(), a.segment().replicas().end()}))
      r->adopted_epoch = std::max(r->adopted_epoch, epoch);
    out.what = kind::update;
    return out;
  }
  out.group = segment_id{seg};
  if (!names(a, self_)) {
    out.what = kind::not_member;
    return out;
  }
  // The path is the actor's business (data_dir: it sets entry.path); the
  // entry is hosted now so requests arriving while the actor opens its file
  // queue in its mailbox.
  if (file_exists) out.what = kind::open;
  else out.what = a.bootstrap() ? kind::create : kind::join;
  host(out.group, {}, a);
  return out;
}

drop_decision owner_state::on_drop(const pb::SegmentDrop& d) {
  using kind = drop_decision::kind;
  drop_decision out;
  out.group = segment_id{d.segment_id()};
  hosted_replica* r = by_segment(d.segment_id());
  if (r == nullptr) return out;  // unknown: a leftover file may still need deleting
  out.group = r->group;
  if (d.epoch() != 0 && d.epoch() < r->assigned_epoch) {
    // Placement named a newer epoch for this replica since: it is wanted here again.
    out.what = kind::stale;
    return out;
  }
  auto& seen = seen_epochs_[d.segment_id()];
  seen = std::max(seen, d.epoch());
  switch (r->phase) {
    case replica_phase::dropping:
      out.what = kind::already;
      return out;
    case replica_phase::reopening:
      out.what = kind::remove;
      break;
    case replica_phase::running:
      out.what = kind::close;
      break;
  }
  r->phase = replica_phase::dropping;
  return out;
}

// ----------------------------------------------------------------- peers

std::set<node_id> owner_state::peers() const {
  std::set<node_id> out;
  for (const auto& [group, r] : replicas_) {
    if (r.phase == replica_phase::dropping) continue;
    if (r.assignment) {
      for (const auto& p : r.assignment->peers()) out.insert(node_id{p.id()});
      for (uint64_t n : r.assignment->segment().replicas()) out.insert(node_id{n});
    }
    for (uint64_t n : r.voters) out.insert(node_id{n});
  }
  out.erase(self_);
  out.erase(node_id{});
  return out;
}

// --------------------------------------------------------------- reports

uint64_t owner_state::reported_epoch(const hosted_replica& r) { return std::max(r.epoch, r.adopted_epoch); }

pb::Heartbeat owner_state::heartbeat(std::chrono::duration<double> elapsed,
                                     const std::function<uint64_t(const std::string&)>& bytes_of) {
  pb::Heartbeat hb;
  hb.set_node_id(self_.value);
  const double secs = std::max(elapsed.count(), 1e-3);
  for (auto& [group, r] : replicas_) {
    if (r.phase != replica_phase::running) continue;
    auto* rep = hb.add_segments();
    rep->set_segment_id(r.segment.value);
    rep->set_epoch(reported_epoch(r));
    rep->set_is_leader(r.probed && r.leader == self_);
    auto* st = rep->mutable_stats();
    st->set_bytes(bytes_of ? bytes_of(r.path) : 0);
    // Items from the store's aggregates, which only the leader's probe
    // carries: 0 means "not measured" (a follower, or no probe yet).
    st->set_items(r.measured ? r.items : 0);
    st->set_reads_per_s(static_cast<double>(r.reads) / secs);
    st->set_writes_per_s(static_cast<double>(r.writes) / secs);
    r.reads = 0;
    r.writes = 0;
  }
  return hb;
}

std::vector<segment::member_info> initial_members(const pb::SegmentAssignment& a) {
  std::vector<segment::member_info> out;
  for (uint64_t n : a.segment().replicas()) {
    segment::member_info m;
    m.id = node_id{n};
    for (const auto& p : a.peers()) {
      if (p.id() == n) m.address = p.address();
    }
    m.role = segment::member_role::voter;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace ropekv::segment_owner
