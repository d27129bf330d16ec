// Membership through segment_replica: add as non-voter (the joiner gets
// the state as a snapshot), promote, remove, leader transfer.
#include <gtest/gtest.h>

#include "ropekv/consensus/replica.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

constexpr uint64_t seg = 10;

pb::MembershipRequest change(pb::MembershipRequest::Op op, node_id id, std::string address = {}) {
  pb::MembershipRequest r;
  r.set_op(op);
  r.set_node_id(id.value);
  r.set_address(std::move(address));
  return r;
}

std::optional<member_role> role_of(segment_replica& r, node_id id) {
  for (const auto& m : r.members()) {
    if (m.id == id) return m.role;
  }
  return std::nullopt;
}

class membership : public ::testing::Test {
 protected:
  void SetUp() override {
    c.create_group(store::segment_meta{seg, "", "", 1});
    auto l = c.wait_leader(seg);
    ASSERT_TRUE(l.has_value());
    leader = *l;
    for (int i = 0; i < 30; ++i) {
      ASSERT_EQ(c.write(leader, seg, put_req("k" + std::to_string(i), "v")).status().error_code(), 0u);
    }
  }
  sim_cluster c;
  unsigned leader = 0;
};

TEST_F(membership, the_owners_probe_on_the_leader_carries_items_and_bytes) {
  // PROMOTE of node 0 changes nothing; on the leader its descriptor holds
  // the store's totals (what owner-driven splits measure).
  auto probe = c.membership(leader, seg, change(pb::MembershipRequest::PROMOTE, node_id{0}));
  EXPECT_EQ(probe.status().error_code(), static_cast<uint32_t>(errc::invalid_argument));
  EXPECT_EQ(probe.segment().stats().items(), 30u);
  uint64_t bytes = 0;
  for (int i = 0; i < 30; ++i) bytes += ("k" + std::to_string(i)).size() + 1;  // hash key + value "v"
  EXPECT_EQ(probe.segment().stats().bytes(), bytes);
  // A follower answers not_leader, without figures.
  auto other = c.membership((leader + 1) % 3, seg, change(pb::MembershipRequest::PROMOTE, node_id{0}));
  EXPECT_EQ(other.status().error_code(), static_cast<uint32_t>(errc::not_leader));
  EXPECT_FALSE(other.segment().has_stats());
}

TEST_F(membership, a_joiner_is_added_as_non_voter_catches_up_and_is_promoted) {
  unsigned fresh = c.add_node();
  c.join_group(fresh, seg);
  EXPECT_EQ(c.replica(fresh, seg)->meta().segment_id, 0u);  // nothing until the snapshot
  auto add = c.membership(leader, seg, change(pb::MembershipRequest::ADD_NONVOTER, c.id(fresh), c.address(fresh)));
  ASSERT_EQ(add.status().error_code(), 0u) << add.status().message();
  EXPECT_EQ(role_of(*c.replica(leader, seg), c.id(fresh)), member_role::standby);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.replica(fresh, seg)->meta().segment_id, seg);
  EXPECT_TRUE(c.converged(seg));
  EXPECT_EQ(c.get(fresh, seg, get_req("k7", pb::EVENTUAL)).item().value(), "v");

  auto promote = c.membership(leader, seg, change(pb::MembershipRequest::PROMOTE, c.id(fresh)));
  ASSERT_EQ(promote.status().error_code(), 0u) << promote.status().message();
  EXPECT_EQ(role_of(*c.replica(leader, seg), c.id(fresh)), member_role::voter);
  EXPECT_EQ(promote.segment().replicas_size(), 4);
  // Four voters: losing one old member still leaves a quorum.
  c.crash((leader + 1) % 3);
  ASSERT_EQ(c.write(*c.wait_leader(seg), seg, put_req("after", "v")).status().error_code(), 0u);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_TRUE(c.converged(seg));
}

TEST_F(membership, a_removed_member_leaves_the_configuration) {
  unsigned gone = (leader + 1) % 3;
  auto rm = c.membership(leader, seg, change(pb::MembershipRequest::REMOVE, c.id(gone)));
  ASSERT_EQ(rm.status().error_code(), 0u) << rm.status().message();
  EXPECT_FALSE(role_of(*c.replica(leader, seg), c.id(gone)).has_value());
  EXPECT_EQ(c.replica(leader, seg)->members().size(), 2u);
  c.crash(gone);
  ASSERT_EQ(c.write(leader, seg, put_req("after", "v")).status().error_code(), 0u);
}

TEST_F(membership, leadership_moves_to_the_named_member) {
  unsigned target = (leader + 2) % 3;
  auto t = c.membership(leader, seg, change(pb::MembershipRequest::TRANSFER_LEADER, c.id(target)));
  ASSERT_EQ(t.status().error_code(), 0u) << t.status().message();
  ASSERT_TRUE(c.run_until([&] { return c.leader(seg) == target; }, 2000));
  EXPECT_EQ(code(c.write(leader, seg, put_req("x", "v")).status()), errc::not_leader);
  ASSERT_EQ(c.write(target, seg, put_req("x", "v")).status().error_code(), 0u);
  EXPECT_EQ(c.get(target, seg, get_req("k3")).item().value(), "v");
}

TEST_F(membership, followers_refuse_membership_changes) {
  auto r = c.membership((leader + 1) % 3, seg, change(pb::MembershipRequest::REMOVE, c.id(leader)));
  EXPECT_EQ(code(r.status()), errc::not_leader);
}

}  // namespace
}  // namespace ropekv::segment::test
