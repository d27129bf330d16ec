// Randomized plans: clusters with dc/rack/host/numa labels go through joins,
// losses and drains; repair, then balance, is planned and every move applied
// one at a time, as the placement service does. After every single move the
// hard rules must hold (no shared host+numa slot; no shared domain at the
// rule's level unless share_domains), no segment may exceed its replication
// factor, and the rounds must converge.
#include <gtest/gtest.h>

#include <array>
#include <random>
#include <set>

#include "cluster_fixture.hpp"
#include "ropekv/placement/balance.hpp"
#include "ropekv/placement/layout.hpp"
#include "ropekv/placement/repair.hpp"

namespace ropekv::placement {
namespace {

struct world {
  std::mt19937 rng;
  std::vector<node_info> nodes;
  placement_rule rule;
  uint64_t next_id = 1;

  explicit world(uint32_t seed) : rng(seed) {}

  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

  void add_node() {
    // Few labels so that collisions (same rack, same host, same numa slot)
    // are common: that is where rules bite.
    node_info n = test::make_node(next_id++, "dc" + std::to_string(pick(1, 2)),
                                  "r" + std::to_string(pick(1, 3)), "h" + std::to_string(pick(1, 3)),
                                  std::to_string(pick(0, 1)));
    nodes.push_back(std::move(n));
  }
};

// The hard rules, checked directly from the labels (not through check_rules,
// so a bug shared by the planners and check_rules would still show).
void expect_rules_hold(const std::vector<segment_state>& segs, const std::vector<node_info>& nodes,
                       const placement_rule& rule, const std::string& where) {
  for (const auto& s : segs) {
    EXPECT_LE(s.replicas.size(), s.replication) << where << " segment " << s.id.value;
    std::set<std::string> slots, domains;
    std::set<uint64_t> seen;
    for (node_id r : s.replicas) {
      auto it = std::find_if(nodes.begin(), nodes.end(), [&](const node_info& n) { return n.id == r; });
      ASSERT_NE(it, nodes.end()) << where;
      EXPECT_TRUE(seen.insert(r.value).second) << where << " duplicate replica";
      EXPECT_TRUE(slots.insert(slot_key(*it)).second)
          << where << " segment " << s.id.value << ": two replicas on one host+numa slot";
      bool fresh_domain = domains.insert(domain_key(*it, rule.level)).second;
      if (rule.on_shortage == shortage_policy::fewer_replicas) {
        EXPECT_TRUE(fresh_domain) << where << " segment " << s.id.value << ": two replicas in one "
                                  << to_string(rule.level);
      }
    }
  }
}

segment_state& find_segment(std::vector<segment_state>& segs, segment_id id) {
  return *std::find_if(segs.begin(), segs.end(), [&](const segment_state& s) { return s.id == id; });
}

// Repair until it plans nothing, then balance until it plans nothing; both
// step by step. Returns false if it did not settle within `max_rounds`.
bool settle(world& w, std::vector<segment_state>& segs, const std::string& where, int max_rounds = 60) {
  for (int round = 0; round < max_rounds; ++round) {
    std::vector<move> moves;
    auto rep = repair_plan(segs, w.nodes, w.rule, repair_options{2});
    if (rep.ok()) moves = rep->moves;
    if (moves.empty()) {
      auto bal = balance_plan(w.nodes, segs, w.rule, balance_options{0.10, 2});
      EXPECT_TRUE(bal.ok()) << where;
      if (!bal.ok()) return false;
      moves = bal->moves;
      // A balance move must never break a rule a segment did not break.
      for (const auto& m : moves) {
        auto& s = find_segment(segs, m.segment);
        size_t before = check_rules(s.replicas, w.nodes, w.rule).size();
        auto after = s.replicas;
        std::replace(after.begin(), after.end(), *m.from, *m.to);
        EXPECT_LE(check_rules(after, w.nodes, w.rule).size(), before) << where << " balance move";
      }
    }
    if (moves.empty()) return true;
    std::set<uint64_t> touched;
    for (const auto& m : moves) {
      EXPECT_TRUE(touched.insert(m.segment.value).second) << where << ": two moves of one segment";
      test::apply(segs, m);
      expect_rules_hold(segs, w.nodes, w.rule,
                        where + " round " + std::to_string(round) + " move of " +
                            std::to_string(m.segment.value) + " (" + m.reason + ")");
      if (::testing::Test::HasFailure()) return false;
    }
  }
  return false;
}

TEST(plan_invariants, random_clusters_keep_the_rules_through_joins_losses_and_drains) {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    world w(seed);
    w.rule.level = static_cast<failure_domain>(w.pick(0, 2));
    w.rule.on_shortage = w.pick(0, 1) ? shortage_policy::share_domains : shortage_policy::fewer_replicas;
    int initial = w.pick(3, 8);
    for (int i = 0; i < initial; ++i) w.add_node();
    const uint32_t replication = std::array<uint32_t, 3>{1, 3, 5}[w.pick(0, 2)];
    auto layout = initial_layout(table_id{1}, w.nodes, replication, w.pick(2, 16), w.rule);
    ASSERT_TRUE(layout.ok()) << "seed " << seed;
    auto segs = test::to_segments(*layout, replication);
    for (auto& s : segs) s.stats.bytes = static_cast<uint64_t>(w.pick(1, 100)) << 20;
    const std::string tag = "seed " + std::to_string(seed);
    expect_rules_hold(segs, w.nodes, w.rule, tag + " initial");
    ASSERT_TRUE(settle(w, segs, tag + " initial")) << tag;
    for (int event = 0; event < 6; ++event) {
      std::string what;
      switch (w.pick(0, 2)) {
        case 0:
          w.add_node();
          what = "join";
          break;
        case 1: {
          auto& n = w.nodes[w.pick(0, static_cast<int>(w.nodes.size()) - 1)];
          n.alive = false;
          what = "loss of " + std::to_string(n.id.value);
          break;
        }
        default: {
          auto& n = w.nodes[w.pick(0, static_cast<int>(w.nodes.size()) - 1)];
          n.draining = true;
          what = "drain of " + std::to_string(n.id.value);
          break;
        }
      }
      if (std::none_of(w.nodes.begin(), w.nodes.end(), accepts_replicas)) w.add_node();
      const std::string where = tag + " event " + std::to_string(event) + " " + what;
      ASSERT_TRUE(settle(w, segs, where)) << where << ": did not settle";
      // Settled: a drained node keeps a replica only where no legal
      // replacement exists (repair reports the segment under-protected).
      auto rep = repair_plan(segs, w.nodes, w.rule, repair_options{2});
      ASSERT_TRUE(rep.ok());
      EXPECT_TRUE(rep->moves.empty() && rep->deferred.empty()) << where << ": moves " << rep->moves.size() << ", deferred " << rep->deferred.size();
      for (const auto& s : segs) {
        for (node_id r : s.replicas) {
          const auto& n = test::by_id(w.nodes, r.value);
          if (n.draining || !n.alive) {
            EXPECT_TRUE(std::find(rep->under_protected.begin(), rep->under_protected.end(), s.id) !=
                        rep->under_protected.end())
                << where << ": segment " << s.id.value << " keeps a replica on gone node " << r.value;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace ropekv::placement
