#include "membership_plan.hpp"

#include <algorithm>

namespace ropekv::segment_owner {
namespace {

bool contains(const std::vector<uint64_t>& v, uint64_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

pb::MembershipRequest step(pb::MembershipRequest::Op op, uint64_t node, std::string address = {}) {
  pb::MembershipRequest r;
  r.set_op(op);
  r.set_node_id(node);
  r.set_address(std::move(address));
  return r;
}

}  // namespace

bool same_members(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::set<uint64_t> x(a.begin(), a.end());
  std::set<uint64_t> y(b.begin(), b.end());
  return x == y;
}

std::optional<pb::MembershipRequest> next_membership_step(const membership_view& v) {
  // An empty target would dissolve the group; placement never means that.
  if (!v.is_leader || v.target.empty() || v.voters.empty()) return std::nullopt;
  for (uint64_t n : v.target) {
    if (contains(v.voters, n)) continue;
    if (v.standbys.count(n)) return step(pb::MembershipRequest::PROMOTE, n);
    auto a = v.addresses.find(n);
    if (a == v.addresses.end() || a->second.empty()) continue;  // learn its address first
    return step(pb::MembershipRequest::ADD_NONVOTER, n, a->second);
  }
  // Only remove once every target node votes: the group never shrinks
  // below the target's strength during a move.
  for (uint64_t n : v.target) {
    if (!contains(v.voters, n)) return std::nullopt;
  }
  bool self_surplus = false;
  for (uint64_t n : v.voters) {
    if (contains(v.target, n)) continue;
    if (n == v.self.value) {
      self_surplus = true;
      continue;
    }
    return step(pb::MembershipRequest::REMOVE, n);
  }
  if (self_surplus) {
    for (uint64_t n : v.target) {
      if (n != v.self.value) return step(pb::MembershipRequest::TRANSFER_LEADER, n);
    }
  }
  return std::nullopt;
}

}  // namespace ropekv::segment_owner
