#include <gtest/gtest.h>

#include "cluster_fixture.hpp"
#include "ropekv/placement/rules.hpp"

namespace ropekv::placement {
namespace {

using test::ids;
using test::make_node;
using test::nid;

std::vector<violation_kind> kinds(const std::vector<violation>& v) {
  std::vector<violation_kind> out;
  for (const auto& x : v) out.push_back(x.kind);
  return out;
}

TEST(rules, one_replica_per_rack_is_legal) {
  auto nodes = test::racks({1, 1, 1});
  EXPECT_TRUE(check_rules(ids({1, 2, 3}), nodes, {}).empty());
}

TEST(rules, two_replicas_in_one_rack_break_the_rule) {
  auto nodes = test::racks({2, 1});
  auto v = check_rules(ids({1, 2, 3}), nodes, {});
  ASSERT_EQ(kinds(v), std::vector{violation_kind::shared_domain});
  EXPECT_EQ(v[0].first, nid(1));
  EXPECT_EQ(v[0].second, nid(2));
  EXPECT_NE(v[0].reason.find("rack 'r0'"), std::string::npos) << v[0].reason;
}

TEST(rules, racks_are_scoped_by_dc) {
  std::vector<node_info> nodes{make_node(1, "a", "r1", "h1"), make_node(2, "b", "r1", "h2"),
                               make_node(3, "c", "r1", "h3")};
  EXPECT_TRUE(check_rules(ids({1, 2, 3}), nodes, {}).empty());
}

TEST(rules, host_numa_is_never_shared_even_when_domains_may_be) {
  std::vector<node_info> nodes{make_node(1, "a", "r1", "h1", "0"), make_node(2, "a", "r1", "h1", "0"),
                               make_node(3, "a", "r1", "h1", "1")};
  placement_rule share{failure_domain::host, shortage_policy::share_domains};
  // Node 3 is another NUMA node of h1: allowed beside node 1 when sharing.
  EXPECT_TRUE(check_rules(ids({1, 3}), nodes, share).empty());
  EXPECT_EQ(kinds(check_rules(ids({1, 2}), nodes, share)),
            std::vector{violation_kind::shared_host_numa});
  // With the default policy, one host is one domain.
  placement_rule strict{failure_domain::host};
  EXPECT_EQ(kinds(check_rules(ids({1, 3}), nodes, strict)),
            std::vector{violation_kind::shared_domain});
}

TEST(rules, share_domains_allows_sharing_only_when_unavoidable) {
  placement_rule share{failure_domain::rack, shortage_policy::share_domains};
  auto two_racks = test::racks({2, 1});
  EXPECT_TRUE(check_rules(ids({1, 2, 3}), two_racks, share).empty());
  auto three_racks = test::racks({2, 1, 1});
  EXPECT_EQ(kinds(check_rules(ids({1, 2, 3}), three_racks, share)),
            std::vector{violation_kind::shared_domain});
}

TEST(rules, dc_level) {
  std::vector<node_info> nodes{make_node(1, "a", "r1", "h1"), make_node(2, "a", "r2", "h2"),
                               make_node(3, "b", "r1", "h3")};
  placement_rule dc{failure_domain::dc};
  EXPECT_TRUE(check_rules(ids({1, 3}), nodes, dc).empty());
  EXPECT_EQ(kinds(check_rules(ids({1, 2}), nodes, dc)), std::vector{violation_kind::shared_domain});
}

TEST(rules, unknown_and_duplicate_replicas) {
  auto nodes = test::racks({1, 1});
  EXPECT_EQ(kinds(check_rules(ids({1, 9}), nodes, {})), std::vector{violation_kind::unknown_node});
  EXPECT_EQ(kinds(check_rules(ids({1, 1}), nodes, {})),
            std::vector{violation_kind::duplicate_replica});
}

TEST(rules, assess_counts_alive_usable_and_domains) {
  auto nodes = test::racks({1, 1, 1});
  nodes[1].alive = false;
  nodes[2].draining = true;
  segment_state s = test::make_segment(1, ids({1, 2, 3}));
  segment_health h = assess(s, nodes, {});
  EXPECT_EQ(h.alive_replicas, 2u);
  EXPECT_EQ(h.usable_replicas, 1u);
  EXPECT_EQ(h.domains, 1u);
  EXPECT_TRUE(h.under_replicated);
  EXPECT_TRUE(h.under_protected);
  EXPECT_FALSE(h.quorum_lost);
  nodes[2].alive = false;
  EXPECT_TRUE(assess(s, nodes, {}).quorum_lost);
}

class approve : public ::testing::Test {
 protected:
  std::vector<node_info> nodes = test::racks({2, 2, 2});  // r0: 1,2  r1: 3,4  r2: 5,6
  segment_state seg = test::make_segment(7, ids({1, 3, 5}));
  placement_rule rule;

  status ask(std::optional<uint64_t> from, std::optional<uint64_t> to) {
    move m{seg.id, from ? std::optional(nid(*from)) : std::nullopt,
           to ? std::optional(nid(*to)) : std::nullopt, "owner asks"};
    return approve_move(seg, m, nodes, rule, 2);
  }
};

TEST_F(approve, accepts_a_move_within_the_rack) { EXPECT_TRUE(ask(1, 2).ok()); }

TEST_F(approve, rejects_a_move_into_a_used_rack_with_a_reason) {
  status s = ask(1, 4);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::condition_failed);
  EXPECT_NE(s.error().message.find("rack"), std::string::npos) << s.error().message;
}

TEST_F(approve, rejects_dead_draining_and_unknown_targets) {
  test::by_id(nodes, 2).alive = false;
  test::by_id(nodes, 4).draining = true;
  EXPECT_EQ(ask(1, 2).error().code, errc::condition_failed);
  EXPECT_EQ(ask(3, 4).error().code, errc::condition_failed);
  EXPECT_EQ(ask(1, 42).error().code, errc::condition_failed);
}

TEST_F(approve, rejects_moves_that_do_not_fit_the_segment) {
  EXPECT_EQ(ask(2, 4).error().code, errc::invalid_argument);   // 2 holds no replica
  EXPECT_EQ(ask(1, 3).error().code, errc::invalid_argument);   // 3 already does
  EXPECT_EQ(ask(std::nullopt, std::nullopt).error().code, errc::invalid_argument);
  move other{segment_id{8}, nid(1), nid(2), ""};
  EXPECT_EQ(approve_move(seg, other, nodes, rule, 2).error().code, errc::invalid_argument);
}

TEST_F(approve, rejects_adds_to_full_and_removes_from_minimal_segments) {
  EXPECT_EQ(ask(std::nullopt, 2).error().code, errc::condition_failed);
  EXPECT_EQ(ask(1, std::nullopt).error().code, errc::condition_failed);
  seg.replicas = ids({1, 3});
  EXPECT_TRUE(ask(std::nullopt, 5).ok());
  EXPECT_EQ(ask(std::nullopt, 2).error().code, errc::condition_failed);  // rack r0 again
  seg.replicas = ids({1, 3, 5, 2});
  EXPECT_TRUE(ask(2, std::nullopt).ok());
}

TEST_F(approve, keeps_protection_when_sharing_domains) {
  rule.on_shortage = shortage_policy::share_domains;
  nodes = test::racks({2, 1, 1});  // r0: 1,2  r1: 3  r2: 4
  seg.replicas = ids({1, 3, 4});
  EXPECT_EQ(ask(3, 2).error().code, errc::condition_failed);  // would pile into r0
  EXPECT_TRUE(ask(1, 2).ok());
}

TEST_F(approve, defers_when_busy) {
  test::by_id(nodes, 2).moves_in_flight = 2;
  EXPECT_EQ(ask(1, 2).error().code, errc::unavailable);
  test::by_id(nodes, 2).moves_in_flight = 0;
  seg.moving = true;
  EXPECT_EQ(ask(1, 2).error().code, errc::unavailable);
  // A dead source is not busy: its replica is gone anyway.
  seg.moving = false;
  test::by_id(nodes, 1).alive = false;
  test::by_id(nodes, 1).moves_in_flight = 9;
  EXPECT_TRUE(ask(1, 2).ok());
}

}  // namespace
}  // namespace ropekv::placement
