// Membership changes (add as non-voter, promote, remove) and leadership
// transfer through the replica API.
#include <gtest/gtest.h>

#include "cluster.hpp"

namespace ropekv::consensus::test {
namespace {

std::optional<member_role> role_of(replica& r, node_id id) {
  for (const auto& m : r.configuration()) {
    if (m.id == id) return m.role;
  }
  return std::nullopt;
}

TEST(membership, add_nonvoter_promote_then_remove) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(c.propose("m" + std::to_string(i) + "=1").ok());

  unsigned n4 = c.add_empty_node();
  std::optional<status> added;
  ASSERT_TRUE(c.r(*l).add_nonvoter(c.id(n4), c.address(n4), [&](status st) { added = st; }).ok());
  ASSERT_TRUE(c.run_until([&] { return added.has_value(); }, 5000));
  ASSERT_TRUE(added->ok()) << added->error().message;
  EXPECT_EQ(role_of(c.r(*l), c.id(n4)), member_role::standby);
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());  // the standby replicated everything
  EXPECT_EQ(c.machine(n4).data().size(), 30u);

  // A second change while one is pending is refused, not queued.
  std::optional<status> promoted;
  ASSERT_TRUE(c.r(*l).promote(c.id(n4), [&](status st) { promoted = st; }).ok());
  auto again = c.r(*l).promote(c.id(n4), [](status) {});
  EXPECT_FALSE(again.ok());
  ASSERT_TRUE(c.run_until([&] { return promoted.has_value(); }, 5000));
  ASSERT_TRUE(promoted->ok()) << promoted->error().message;
  EXPECT_EQ(role_of(c.r(*l), c.id(n4)), member_role::voter);

  unsigned victim = (*l + 1) % 3;
  std::optional<status> removed;
  ASSERT_TRUE(c.r(*l).remove(c.id(victim), [&](status st) { removed = st; }).ok());
  ASSERT_TRUE(c.run_until([&] { return removed.has_value(); }, 5000));
  ASSERT_TRUE(removed->ok()) << removed->error().message;
  EXPECT_FALSE(role_of(c.r(*l), c.id(victim)).has_value());
  c.crash(victim);

  // The group of {leader, other, n4} still commits, even without one more.
  ASSERT_TRUE(c.propose("after=1").ok());
  unsigned other = (*l + 2) % 3;
  c.crash(other);
  ASSERT_TRUE(c.propose("two_of_three=1").ok());
  ASSERT_TRUE(c.settle());
  EXPECT_EQ(c.machine(n4).data().at("two_of_three"), "1");
}

TEST(membership, leadership_transfer_to_a_chosen_follower) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  ASSERT_TRUE(c.propose("t=1").ok());
  ASSERT_TRUE(c.settle());
  unsigned target = (*l + 1) % 3;
  std::optional<status> done;
  ASSERT_TRUE(c.r(*l).transfer_leadership(c.id(target), [&](status st) { done = st; }).ok());
  // While the transfer runs the old leader refuses proposals.
  auto refused = c.r(*l).propose("during=1", [](result<std::string>) {});
  EXPECT_FALSE(refused.ok());
  ASSERT_TRUE(c.run_until([&] { return done.has_value(); }, 5000));
  ASSERT_TRUE(done->ok()) << done->error().message;
  ASSERT_TRUE(c.wait_leader().has_value());
  EXPECT_EQ(*c.leader(), target);
  ASSERT_TRUE(c.propose("t=2").ok());
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
}

TEST(membership, changes_on_a_follower_fail_fast) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  unsigned f = (*l + 1) % 3;
  EXPECT_EQ(c.r(f).add_nonvoter(node_id{9}, "n9", [](status) {}).error().code, errc::not_leader);
  EXPECT_EQ(c.r(f).transfer_leadership(node_id{0}, [](status) {}).error().code, errc::not_leader);
}

}  // namespace
}  // namespace ropekv::consensus::test
