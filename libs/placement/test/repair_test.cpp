#include <gtest/gtest.h>

#include <map>
#include <random>

#include "cluster_fixture.hpp"
#include "ropekv/placement/repair.hpp"

namespace ropekv::placement {
namespace {

using test::ids;
using test::nid;

std::vector<segment_state> layout(const std::vector<node_info>& nodes, uint32_t count,
                                  uint32_t replication = 3, const placement_rule& rule = {}) {
  auto r = initial_layout(table_id{1}, nodes, replication, count, rule);
  EXPECT_TRUE(r.ok());
  return test::to_segments(*r, replication);
}

bool holds(const segment_state& s, node_id id) {
  return std::find(s.replicas.begin(), s.replicas.end(), id) != s.replicas.end();
}

TEST(repair_plan, dead_node_replaced_in_its_rack_and_nothing_else_moves) {
  auto nodes = test::racks({3, 3, 3});  // r0: 1-3
  auto before = layout(nodes, 36);
  test::by_id(nodes, 2).alive = false;
  auto plan = repair_plan(before, nodes, {}, repair_options{100});
  ASSERT_TRUE(plan.ok());
  size_t affected = 0;
  for (const auto& s : before) affected += holds(s, nid(2)) ? 1 : 0;
  EXPECT_EQ(plan->moves.size(), affected);
  EXPECT_TRUE(plan->under_protected.empty());
  EXPECT_TRUE(plan->deferred.empty());
  auto after = before;
  for (const auto& m : plan->moves) {
    ASSERT_EQ(m.from, nid(2));
    ASSERT_TRUE(m.to == nid(1) || m.to == nid(3));  // the only legal rack
    test::apply(after, m);
  }
  test::expect_legal(after, nodes, {});
  std::map<uint64_t, int> gained;
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_FALSE(holds(after[i], nid(2)));
    for (size_t k = 0; k < before[i].replicas.size(); ++k) {
      if (before[i].replicas[k] != nid(2)) {
        EXPECT_EQ(after[i].replicas[k], before[i].replicas[k]);
      }
    }
  }
  for (const auto& m : plan->moves) ++gained[m.to->value];
  EXPECT_LE(std::abs(gained[1] - gained[3]), 1);  // spread over the rack
}

TEST(repair_plan, limits_moves_per_node_and_converges_over_rounds) {
  auto nodes = test::racks({3, 3, 3});
  auto segs = layout(nodes, 36);
  test::by_id(nodes, 5).alive = false;
  for (int round = 0; round < 20; ++round) {
    auto plan = repair_plan(segs, nodes, {}, repair_options{1});
    ASSERT_TRUE(plan.ok());
    if (plan->moves.empty()) break;
    std::map<uint64_t, int> involved;
    for (const auto& m : plan->moves) {
      ++involved[m.to->value];
      test::apply(segs, m);
    }
    for (auto [id, n] : involved) EXPECT_LE(n, 1) << "node " << id;
    EXPECT_FALSE(plan->deferred.empty() && round == 0);
  }
  test::expect_legal(segs, nodes, {});
  for (const auto& s : segs) EXPECT_FALSE(holds(s, nid(5)));
}

TEST(repair_plan, counts_moves_in_flight) {
  auto nodes = test::racks({2, 1, 1});  // r0: 1,2
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 3, 4}))};
  test::by_id(nodes, 1).alive = false;
  test::by_id(nodes, 2).moves_in_flight = 2;
  auto plan = repair_plan(segs, nodes, {}, repair_options{2});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->moves.empty());
  EXPECT_EQ(plan->deferred, std::vector{segment_id{1}});
  EXPECT_TRUE(plan->under_protected.empty());
}

TEST(repair_plan, no_legal_replacement_keeps_the_dead_replica) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 2, 3}))};
  nodes[2].alive = false;
  auto plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->moves.empty());
  EXPECT_EQ(plan->under_protected, std::vector{segment_id{1}});
}

TEST(repair_plan, adds_replicas_when_a_rack_appears) {
  auto nodes = test::racks({2, 2});
  auto segs = layout(nodes, 8);
  for (const auto& s : segs) ASSERT_EQ(s.replicas.size(), 2u);
  auto plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->moves.empty());
  EXPECT_EQ(plan->under_protected.size(), segs.size());

  nodes.push_back(test::make_node(5, "dc1", "r9", "h5"));
  nodes.push_back(test::make_node(6, "dc1", "r9", "h6"));
  plan = repair_plan(segs, nodes, {}, repair_options{100});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->moves.size(), segs.size());
  for (const auto& m : plan->moves) {
    EXPECT_FALSE(m.from.has_value());
    EXPECT_TRUE(m.to == nid(5) || m.to == nid(6));
    test::apply(segs, m);
  }
  test::expect_legal(segs, nodes, {});
  auto counts = test::per_node(segs, nodes);
  EXPECT_LE(std::abs(counts[5] - counts[6]), 1);
}

TEST(repair_plan, share_domains_moves_a_doubled_replica_to_a_new_rack) {
  placement_rule share{failure_domain::rack, shortage_policy::share_domains};
  auto nodes = test::racks({2, 1});  // r0: 1,2  r1: 3
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 3, 2}))};
  auto quiet = repair_plan(segs, nodes, share);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->moves.empty());
  nodes.push_back(test::make_node(4, "dc1", "r2", "h4"));
  auto plan = repair_plan(segs, nodes, share);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->moves.size(), 1u);
  EXPECT_EQ(plan->moves[0].from, nid(2));  // not the leader hint
  EXPECT_EQ(plan->moves[0].to, nid(4));
}

TEST(repair_plan, draining_node_is_replaced_never_just_removed) {
  auto nodes = test::racks({2, 1, 1});  // r0: 1,2
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 3, 4})),
                                  test::make_segment(2, ids({3, 1, 4}))};
  test::by_id(nodes, 1).draining = true;
  auto plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->moves.size(), 2u);
  for (const auto& m : plan->moves) {
    EXPECT_EQ(m.from, nid(1));
    EXPECT_EQ(m.to, nid(2));
  }
  test::by_id(nodes, 2).alive = false;  // no replacement left: keep serving
  plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->moves.empty());
}

TEST(repair_plan, removes_surplus_and_dead_extras) {
  auto nodes = test::racks({1, 1, 1, 1});
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 2, 3, 4}))};
  auto plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->moves.size(), 1u);
  EXPECT_EQ(plan->moves[0].from, nid(4));
  EXPECT_FALSE(plan->moves[0].to.has_value());
  nodes[1].alive = false;
  plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->moves.size(), 1u);
  EXPECT_EQ(plan->moves[0].from, nid(2));
  EXPECT_FALSE(plan->moves[0].to.has_value());
}

TEST(repair_plan, most_urgent_segment_first) {
  auto nodes = test::racks({2, 2, 2});  // r0: 1,2  r1: 3,4  r2: 5,6
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 3, 6})),
                                  test::make_segment(2, ids({1, 3, 5}))};
  test::by_id(nodes, 1).alive = false;
  test::by_id(nodes, 5).alive = false;  // segment 2 lost quorum
  auto plan = repair_plan(segs, nodes, {}, repair_options{1});
  ASSERT_TRUE(plan.ok());
  ASSERT_FALSE(plan->moves.empty());
  EXPECT_EQ(plan->moves[0].segment, segment_id{2});
}

TEST(repair_plan, random_failures_keep_rules_and_touch_only_affected_segments) {
  std::mt19937_64 rng(77);
  for (int round = 0; round < 40; ++round) {
    placement_rule rule;
    if (round % 2) rule.on_shortage = shortage_policy::share_domains;
    std::vector<int> per_rack;
    int racks = std::uniform_int_distribution<int>(3, 5)(rng);
    for (int r = 0; r < racks; ++r) per_rack.push_back(std::uniform_int_distribution<int>(1, 3)(rng));
    auto nodes = test::racks(per_rack);
    auto before = layout(nodes, std::uniform_int_distribution<uint32_t>(4, 40)(rng), 3, rule);
    int deaths = std::uniform_int_distribution<int>(1, 2)(rng);
    for (int k = 0; k < deaths; ++k) nodes[rng() % nodes.size()].alive = false;
    auto dead = [&](node_id id) { return !test::by_id(nodes, id.value).alive; };
    auto segs = before;
    for (int r = 0; r < 30; ++r) {
      auto plan = repair_plan(segs, nodes, rule, repair_options{2});
      ASSERT_TRUE(plan.ok());
      if (plan->moves.empty()) break;
      for (const auto& m : plan->moves) {
        auto& seg = segs[m.segment.value - 1];
        ASSERT_TRUE(std::any_of(before[m.segment.value - 1].replicas.begin(),
                                before[m.segment.value - 1].replicas.end(), dead))
            << "segment " << m.segment.value << " had no dead replica";
        status ok = approve_move(seg, m, nodes, rule, 2);
        EXPECT_TRUE(ok.ok()) << ok.error().message;
        test::apply(segs, m);
      }
      test::expect_legal(segs, nodes, rule);
    }
    for (size_t i = 0; i < segs.size(); ++i) {
      bool affected = std::any_of(before[i].replicas.begin(), before[i].replicas.end(), dead);
      if (!affected) {
        EXPECT_EQ(segs[i].replicas, before[i].replicas);
      }
      // Survivors keep their place (and so the leader hint, if it survived).
      for (size_t k = 0; k < before[i].replicas.size() && k < segs[i].replicas.size(); ++k) {
        if (!dead(before[i].replicas[k])) {
          EXPECT_EQ(segs[i].replicas[k], before[i].replicas[k]);
        }
      }
    }
  }
}

TEST(repair_plan, errors_and_moving_segments) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<segment_state> segs{test::make_segment(1, ids({1, 2}))};
  segs[0].moving = true;
  auto plan = repair_plan(segs, nodes);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->moves.empty());
  segs[0].replication = 2;
  EXPECT_EQ(repair_plan(segs, nodes).error().code, errc::invalid_argument);
  segs[0].replication = 3;
  for (auto& n : nodes) n.alive = false;
  EXPECT_EQ(repair_plan(segs, nodes).error().code, errc::unavailable);
}

}  // namespace
}  // namespace ropekv::placement
