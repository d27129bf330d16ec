#include <gtest/gtest.h>

#include <map>

#include "cluster_fixture.hpp"
#include "ropekv/placement/leaders.hpp"

namespace ropekv::placement {
namespace {

using test::ids;
using test::nid;

std::map<uint64_t, int> leader_counts(const std::vector<led_segment>& segs) {
  std::map<uint64_t, int> out;
  for (const auto& s : segs) ++out[s.leader.value];
  return out;
}

void apply_transfers(std::vector<led_segment>& segs, const std::vector<leader_transfer>& plan) {
  for (const auto& t : plan) {
    for (auto& s : segs) {
      if (s.id == t.segment) {
        ASSERT_EQ(s.leader, t.from);
        s.leader = t.to;
      }
    }
  }
}

// Six segments all led by node 1 (as after the others restarted): rounds
// of transfers spread them two per node, never to a non-replica.
TEST(leader_plan, spreads_leaders_over_rounds) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<led_segment> segs;
  for (uint64_t i = 1; i <= 6; ++i) segs.push_back({segment_id{i}, ids({1, 2, 3}), nid(1)});
  int rounds = 0;
  for (; rounds < 10; ++rounds) {
    auto plan = leader_plan(nodes, segs, {0.10, 2});
    if (plan.empty()) break;
    for (const auto& t : plan) EXPECT_TRUE(t.to == nid(2) || t.to == nid(3));
    apply_transfers(segs, plan);
  }
  EXPECT_LT(rounds, 10);
  auto counts = leader_counts(segs);
  EXPECT_EQ(counts[1], 2);
  EXPECT_EQ(counts[2], 2);
  EXPECT_EQ(counts[3], 2);
}

TEST(leader_plan, respects_the_per_node_limit_and_busy_segments) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<led_segment> segs;
  for (uint64_t i = 1; i <= 9; ++i) segs.push_back({segment_id{i}, ids({1, 2, 3}), nid(1)});
  segs[0].busy = true;
  auto plan = leader_plan(nodes, segs, {0.10, 1});
  ASSERT_EQ(plan.size(), 1u);  // node 1 takes part in one transfer only
  EXPECT_NE(plan[0].segment, segment_id{1});
}

TEST(leader_plan, leaves_draining_and_dead_nodes_alone_and_never_targets_them) {
  auto nodes = test::racks({1, 1, 1, 1});
  test::by_id(nodes, 2).draining = true;
  test::by_id(nodes, 3).alive = false;
  std::vector<led_segment> segs;
  for (uint64_t i = 1; i <= 4; ++i) segs.push_back({segment_id{i}, ids({1, 2, 3}), nid(1)});
  segs.push_back({segment_id{5}, ids({2, 3, 4}), nid(2)});
  // Node 1's replicas are only on 2 (draining) and 3 (dead): nowhere to go.
  EXPECT_TRUE(leader_plan(nodes, segs, {0.10, 4}).empty());
  segs[0].replicas = ids({1, 4, 2});
  auto plan = leader_plan(nodes, segs, {0.10, 4});
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_EQ(plan[0].to, nid(4));
}

TEST(leader_plan, balanced_cluster_plans_nothing) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<led_segment> segs;
  for (uint64_t i = 1; i <= 7; ++i) segs.push_back({segment_id{i}, ids({1, 2, 3}), nid(1 + i % 3)});
  EXPECT_TRUE(leader_plan(nodes, segs).empty());  // 3/2/2 is within one of each other
}

}  // namespace
}  // namespace ropekv::placement
