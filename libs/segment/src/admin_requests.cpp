// Membership changes, leader transfer and split proposals (leader only).
//
// Guards, all for one reason — every replica must split with the SAME
// member list, which the split entry carries: no split is proposed while a
// configuration change is uncommitted or in flight, and no configuration
// change starts while a split is in flight or while entries of earlier
// terms (which may hold an old leader's split) are still unapplied.
#include <algorithm>
#include "replica_state.hpp"
#include "replies.hpp"

namespace ropekv::segment {

using detail::make_status;
using detail::replica_state;

namespace {

pb::AdminReply admin_reply(const segment_replica& r, pb::Status status) {
  pb::AdminReply out;
  *out.mutable_status() = std::move(status);
  *out.mutable_segment() = r.describe();
  return out;
}

uint32_t role_code(consensus::member_role r) {
  switch (r) {
    case consensus::member_role::voter: return 0;
    case consensus::member_role::standby: return 1;
    case consensus::member_role::spare: return 2;
  }
  return 2;
}

}  // namespace

void segment_replica::membership(const pb::MembershipRequest& request, admin_callback cb) {
  auto& s = *s_;
  if (auto bad = detail::check_routing(request.routing(), s.store->meta())) return cb(admin_reply(*this, *bad));
  if (auto bad = s.check_leader()) return cb(admin_reply(*this, *bad));
  node_id target{request.node_id()};
  auto done = [this, &s, cb](status st) {
    if (s.membership_in_flight > 0) --s.membership_in_flight;
    cb(admin_reply(*this, st ? detail::ok_status() : detail::to_status(st.error(), s.hint())));
  };
  status st;
  if (request.op() == pb::MembershipRequest::TRANSFER_LEADER) {
    // Leadership moves, the configuration does not: no guard needed.
    st = s.raft->transfer_leadership(target, [this, &s, cb](status r) {
      cb(admin_reply(*this, r ? detail::ok_status() : detail::to_status(r.error(), s.hint())));
    });
    if (!st) cb(admin_reply(*this, detail::to_status(st.error(), s.hint())));
    return;
  }
  if (target.value == 0) {
    // The owner's probe (PROMOTE of node 0) on the leader: it also carries
    // the store's items and logical bytes, which the owner's split
    // decisions need (DESIGN §6) and no other message reports.
    auto out = admin_reply(*this, make_status(errc::invalid_argument, "node id 0"));
    if (auto totals = s.store->totals()) {
      out.mutable_segment()->mutable_stats()->set_items(totals->items);
      out.mutable_segment()->mutable_stats()->set_bytes(totals->bytes);
    }
    return cb(std::move(out));
  }
  if (s.split_in_flight || s.earlier_terms_pending() || s.membership_in_flight != 0) {
    return cb(admin_reply(*this, make_status(errc::unavailable, "a split or membership change is in progress")));
  }
  switch (request.op()) {
    case pb::MembershipRequest::ADD_NONVOTER:
      st = s.raft->add_nonvoter(target, request.address(), done);
      break;
    case pb::MembershipRequest::PROMOTE:
      st = s.raft->promote(target, done);
      break;
    case pb::MembershipRequest::REMOVE:
      st = s.raft->remove(target, done);
      break;
    default:
      st = make_error(errc::invalid_argument, "unknown membership operation");
  }
  if (!st) return cb(admin_reply(*this, detail::to_status(st.error(), s.hint())));
  ++s.membership_in_flight;
}

void segment_replica::split(const pb::SplitRequest& request, admin_callback cb) {
  auto& s = *s_;
  auto meta = s.store->meta();
  if (auto bad = detail::check_routing(request.routing(), meta)) return cb(admin_reply(*this, *bad));
  if (auto bad = s.check_leader()) return cb(admin_reply(*this, *bad));
  if (s.split_in_flight || s.membership_in_flight != 0 || s.raft->raw()->configuration_uncommitted_index != 0) {
    return cb(admin_reply(*this, make_status(errc::unavailable, "a split or membership change is in progress")));
  }
  pb::SplitEntry entry;
  entry.set_timestamp_us(s.now_us());
  auto* sp = entry.mutable_split();
  sp->set_at_key(request.at_key());
  sp->set_left_segment_id(request.left_segment_id());
  sp->set_right_segment_id(request.right_segment_id());
  sp->set_new_epoch(std::max(request.new_epoch(), meta.epoch + 1));
  for (const auto& m : s.raft->configuration()) {
    auto* pm = entry.add_members();
    pm->set_node_id(m.id.value);
    pm->set_address(m.address);
    pm->set_role(role_code(m.role));
  }
  detail::split_plan plan{0, *sp, members()};
  if (auto why = detail::split_executor::invalid(meta, plan)) {
    return cb(admin_reply(*this, make_status(errc::invalid_argument, *why)));
  }
  auto st = s.raft->propose(entry.SerializeAsString(), [this, &s, cb](result<std::string> r) {
    s.split_in_flight = false;
    if (!r) return cb(admin_reply(*this, detail::to_status(r.error(), s.hint())));
    pb::MutationResult res;
    if (!res.ParseFromString(*r)) {
      return cb(admin_reply(*this, make_status(errc::internal, "unreadable split result")));
    }
    cb(admin_reply(*this, detail::to_status(res)));
  });
  if (!st) return cb(admin_reply(*this, detail::to_status(st.error(), s.hint())));
  s.split_in_flight = true;
}

}  // namespace ropekv::segment
