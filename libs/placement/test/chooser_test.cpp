#include <gtest/gtest.h>

#include <set>

#include "cluster_fixture.hpp"
#include "ropekv/placement/chooser.hpp"

namespace ropekv::placement {
namespace {

using test::ids;
using test::make_node;
using test::nid;

std::set<std::string> racks_of(const std::vector<node_id>& replicas,
                               const std::vector<node_info>& nodes) {
  std::set<std::string> out;
  for (node_id id : replicas) {
    for (const auto& n : nodes) {
      if (n.id == id) out.insert(n.labels.rack);
    }
  }
  return out;
}

TEST(place_replicas, three_racks_of_one_node) {
  auto nodes = test::racks({1, 1, 1});
  auto r = place_replicas(nodes, 3, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas, ids({1, 2, 3}));
  EXPECT_FALSE(r->under_protected);
  EXPECT_TRUE(r->reason.empty());
}

TEST(place_replicas, three_racks_of_three_nodes_prefers_least_loaded) {
  auto nodes = test::racks({3, 3, 3});  // r0: 1-3, r1: 4-6, r2: 7-9
  for (auto& n : nodes) n.load.replicas = 10;
  test::by_id(nodes, 2).load.replicas = 3;
  test::by_id(nodes, 6).load.replicas = 4;
  test::by_id(nodes, 8).load.replicas = 5;
  auto r = place_replicas(nodes, 3, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas, ids({2, 6, 8}));  // least loaded domain first
  EXPECT_TRUE(check_rules(r->replicas, nodes, {}).empty());
  EXPECT_EQ(racks_of(r->replicas, nodes).size(), 3u);
}

TEST(place_replicas, ties_break_by_node_id_and_bytes) {
  auto nodes = test::racks({2, 2, 2});
  auto a = place_replicas(nodes, 3, {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->replicas, ids({1, 3, 5}));
  test::by_id(nodes, 1).load.bytes = 100;
  test::by_id(nodes, 2).load.bytes = 100;  // whole rack r0 fuller: chosen last
  test::by_id(nodes, 3).load.bytes = 50;
  auto b = place_replicas(nodes, 3, {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->replicas, ids({5, 4, 1}));
}

TEST(place_replicas, two_racks_are_under_protected) {
  auto nodes = test::racks({2, 2});
  auto r = place_replicas(nodes, 3, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas.size(), 2u);
  EXPECT_EQ(racks_of(r->replicas, nodes).size(), 2u);
  EXPECT_TRUE(r->under_protected);
  EXPECT_NE(r->reason.find("2 of 3"), std::string::npos) << r->reason;
}

TEST(place_replicas, share_domains_fills_used_racks_evenly) {
  auto nodes = test::racks({3, 3});
  placement_rule share{failure_domain::rack, shortage_policy::share_domains};
  auto r = place_replicas(nodes, 5, share);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas.size(), 5u);
  EXPECT_TRUE(r->under_protected);
  EXPECT_TRUE(check_rules(r->replicas, nodes, share).empty());
  int in_r0 = 0;
  for (node_id id : r->replicas) in_r0 += id.value <= 3 ? 1 : 0;
  EXPECT_TRUE(in_r0 == 2 || in_r0 == 3);
}

TEST(place_replicas, numa_nodes_of_one_host) {
  // Two owners on h1 (numa 0 and 1) and a third on h1 numa 0 again.
  std::vector<node_info> nodes{make_node(1, "a", "r", "h1", "0"), make_node(2, "a", "r", "h1", "1"),
                               make_node(3, "a", "r", "h1", "0")};
  placement_rule share{failure_domain::host, shortage_policy::share_domains};
  for (uint32_t load3 = 0; load3 < 3; ++load3) {
    test::by_id(nodes, 3).load.replicas = load3;
    auto r = place_replicas(nodes, 3, share);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->replicas.size(), 2u);  // numa 0 and numa 1: distinct owners
    std::set<node_id> got(r->replicas.begin(), r->replicas.end());
    EXPECT_TRUE(got.count(nid(2)));
    EXPECT_FALSE(got.count(nid(1)) && got.count(nid(3)));  // same host+numa
    EXPECT_TRUE(r->under_protected);
  }
  // Strict policy: one host is one domain, so one replica.
  auto strict = place_replicas(nodes, 3, placement_rule{failure_domain::host});
  ASSERT_TRUE(strict.ok());
  EXPECT_EQ(strict->replicas.size(), 1u);
}

TEST(place_replicas, dc_level) {
  std::vector<node_info> nodes{make_node(1, "a", "r1", "h1"), make_node(2, "a", "r2", "h2"),
                               make_node(3, "b", "r1", "h3"), make_node(4, "b", "r2", "h4")};
  placement_rule dc{failure_domain::dc};
  auto two = place_replicas(nodes, 3, dc);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->replicas.size(), 2u);
  EXPECT_TRUE(two->under_protected);
  nodes.push_back(make_node(5, "c", "r1", "h5"));
  auto three = place_replicas(nodes, 3, dc);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(three->replicas.size(), 3u);
  EXPECT_FALSE(three->under_protected);
  EXPECT_TRUE(check_rules(three->replicas, nodes, dc).empty());
}

TEST(place_replicas, host_level_in_one_rack) {
  auto nodes = test::racks({3});
  auto r = place_replicas(nodes, 3, placement_rule{failure_domain::host});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas.size(), 3u);
  EXPECT_FALSE(r->under_protected);
}

TEST(place_replicas, keeps_existing_and_drops_unusable_or_illegal) {
  auto nodes = test::racks({2, 2, 2});  // r0: 1,2  r1: 3,4  r2: 5,6
  auto kept = place_replicas(nodes, 3, {}, ids({4, 1}));
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->replicas, ids({4, 1, 5}));
  test::by_id(nodes, 4).alive = false;
  auto replaced = place_replicas(nodes, 3, {}, ids({4, 1, 2, 6}));  // 2 shares r0 with 1
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->replicas, ids({1, 6, 3}));
}

TEST(place_replicas, never_picks_dead_or_draining_nodes) {
  auto nodes = test::racks({2, 2, 2});
  test::by_id(nodes, 1).alive = false;
  test::by_id(nodes, 3).draining = true;
  auto r = place_replicas(nodes, 3, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->replicas, ids({5, 2, 4}));  // r2 has two usable nodes: emptiest per weight
}

TEST(place_replicas, errors) {
  auto nodes = test::racks({1, 1, 1});
  EXPECT_EQ(place_replicas(nodes, 2, {}).error().code, errc::invalid_argument);
  EXPECT_EQ(place_replicas(nodes, 0, {}).error().code, errc::invalid_argument);
  auto twice = nodes;
  twice.push_back(nodes[0]);
  EXPECT_EQ(place_replicas(twice, 3, {}).error().code, errc::invalid_argument);
  for (auto& n : nodes) n.alive = false;
  EXPECT_EQ(place_replicas(nodes, 3, {}).error().code, errc::unavailable);
  EXPECT_EQ(place_replicas({}, 1, {}).error().code, errc::unavailable);
}

}  // namespace
}  // namespace ropekv::placement
