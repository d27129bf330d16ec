// membership_plan: one step at a time from the current voters to the
// assigned replica set, taken only by the leader.
#include <gtest/gtest.h>

#include "membership_plan.hpp"

namespace ropekv::segment_owner {
namespace {

membership_view view(std::vector<uint64_t> voters, std::vector<uint64_t> target, uint64_t self = 1) {
  membership_view v;
  v.self = node_id{self};
  v.is_leader = true;
  v.voters = std::move(voters);
  v.target = std::move(target);
  for (uint64_t n = 1; n <= 6; ++n) v.addresses[n] = "h:" + std::to_string(9000 + n);
  return v;
}

TEST(membership_plan, adds_then_promotes_then_removes) {
  auto v = view({1, 2, 3}, {1, 2, 4});
  auto add = next_membership_step(v);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->op(), pb::MembershipRequest::ADD_NONVOTER);
  EXPECT_EQ(add->node_id(), 4u);
  EXPECT_EQ(add->address(), "h:9004");
  v.standbys.insert(4);
  auto promote = next_membership_step(v);
  ASSERT_TRUE(promote);
  EXPECT_EQ(promote->op(), pb::MembershipRequest::PROMOTE);
  v.voters = {1, 2, 3, 4};
  v.standbys.clear();
  auto remove = next_membership_step(v);
  ASSERT_TRUE(remove);
  EXPECT_EQ(remove->op(), pb::MembershipRequest::REMOVE);
  EXPECT_EQ(remove->node_id(), 3u);
  v.voters = {1, 2, 4};
  EXPECT_FALSE(next_membership_step(v));
}

TEST(membership_plan, a_leader_that_must_go_hands_over_first) {
  auto v = view({1, 2, 3}, {2, 3, 4});
  v.voters = {1, 2, 3, 4};
  auto transfer = next_membership_step(view({1, 2, 3, 4}, {2, 3, 4}));
  ASSERT_TRUE(transfer);
  EXPECT_EQ(transfer->op(), pb::MembershipRequest::TRANSFER_LEADER);
  EXPECT_EQ(transfer->node_id(), 2u);
  // Other surplus members go before the leader hands over.
  auto remove = next_membership_step(view({1, 2, 3, 4, 5}, {2, 3, 4}));
  ASSERT_TRUE(remove);
  EXPECT_EQ(remove->op(), pb::MembershipRequest::REMOVE);
  EXPECT_EQ(remove->node_id(), 5u);
}

TEST(membership_plan, followers_and_unknown_addresses_wait) {
  auto v = view({1, 2, 3}, {1, 2, 4});
  v.is_leader = false;
  EXPECT_FALSE(next_membership_step(v));
  v = view({1, 2, 3}, {1, 2, 4});
  v.addresses.erase(4);
  EXPECT_FALSE(next_membership_step(v));
  EXPECT_FALSE(next_membership_step(view({1, 2, 3}, {})));
  EXPECT_TRUE(same_members({3, 1, 2}, {1, 2, 3}));
  EXPECT_FALSE(same_members({1, 2}, {1, 2, 3}));
}

}  // namespace
}  // namespace ropekv::segment_owner
