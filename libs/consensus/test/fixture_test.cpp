// Deterministic multi-node tests on c-raft's own fixture (its stub raft_io),
// driving our fsm_adapter over real per-node state machines.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fixture_cluster.hpp"
#include "kv_state_machine.hpp"

namespace ropekv::consensus::test {
namespace {

// Owns the kv machines the fixture replicates.
struct kv_fixture {
  explicit kv_fixture(unsigned n, unsigned threshold = 0, unsigned trailing = 0)
      : machines(make(n)), c(pointers(machines), threshold, trailing) {}

  static std::vector<std::unique_ptr<kv_state_machine>> make(unsigned n) {
    std::vector<std::unique_ptr<kv_state_machine>> out;
    for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<kv_state_machine>());
    return out;
  }
  static std::vector<state_machine*> pointers(const std::vector<std::unique_ptr<kv_state_machine>>& ms) {
    std::vector<state_machine*> out;
    for (auto& m : ms) out.push_back(m.get());
    return out;
  }
  kv_state_machine& machine(unsigned i) { return *machines[i]; }
  bool converged() {
    for (auto& m : machines) {
      if (m->digest() != machines[0]->digest()) return false;
    }
    return true;
  }

  std::vector<std::unique_ptr<kv_state_machine>> machines;
  fixture_cluster c;
};

TEST(fixture, three_nodes_elect_and_apply) {
  kv_fixture k(3);
  auto& c = k.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  ASSERT_LT(l, 3u);
  auto* op = c.propose(l, "a=1");
  auto* op2 = c.propose(l, "a=2");
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l))));
  ASSERT_TRUE(op->done && op2->done);
  EXPECT_EQ(op->status, 0);
  EXPECT_EQ(c.result_of(op), "");
  EXPECT_EQ(c.result_of(op2), "1");  // the previous value, computed by the machine
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(k.machine(i).data().at("a"), "2");
}

TEST(fixture, many_entries_converge) {
  kv_fixture k(3);
  auto& c = k.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  for (int i = 0; i < 1000; ++i) {
    c.propose(l, "k" + std::to_string(i % 97) + "=" + std::to_string(i));
  }
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l))));
  EXPECT_TRUE(k.converged());
  EXPECT_EQ(k.machine(0).data().size(), 97u);
}

TEST(fixture, partitioned_leader_is_replaced_and_its_entry_discarded) {
  kv_fixture k(3);
  auto& c = k.c;
  ASSERT_TRUE(c.has_leader());
  unsigned old = c.leader();
  c.propose(old, "x=committed");
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(old))));

  for (unsigned i = 0; i < 3; ++i) {
    if (i != old) raft_fixture_disconnect(c.f(), old, i);
  }
  // The cut-off leader accepts a proposal it can never commit.
  auto* lost = c.propose(old, "x=lost");
  ASSERT_TRUE(raft_fixture_step_until_has_no_leader(c.f(), 10000));
  ASSERT_TRUE(c.has_leader());
  unsigned fresh = c.leader();
  ASSERT_NE(fresh, old);
  auto* won = c.propose(fresh, "x=new");
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), fresh, raft_last_index(c.node(fresh)), 10000));
  EXPECT_TRUE(won->done);

  for (unsigned i = 0; i < 3; ++i) {
    if (i != old) raft_fixture_reconnect(c.f(), old, i);
  }
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(fresh))));
  raft_fixture_step_until_elapsed(c.f(), 500);
  EXPECT_TRUE(lost->done);
  EXPECT_NE(lost->status, 0);
  EXPECT_TRUE(k.converged());
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(k.machine(i).data().at("x"), "new");
}

TEST(fixture, killed_follower_and_leader_catch_up_on_revival) {
  kv_fixture k(3);
  auto& c = k.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  unsigned f = (l + 1) % 3;
  raft_fixture_kill(c.f(), f);
  for (int i = 0; i < 50; ++i) c.propose(l, "f" + std::to_string(i) + "=1");
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l, raft_last_index(c.node(l)), 10000));
  raft_fixture_revive(c.f(), f);
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l))));
  EXPECT_TRUE(k.converged());

  raft_fixture_kill(c.f(), l);
  ASSERT_TRUE(raft_fixture_step_until_has_no_leader(c.f(), 10000));
  ASSERT_TRUE(c.has_leader());
  unsigned l2 = c.leader();
  ASSERT_NE(l2, l);
  for (int i = 0; i < 50; ++i) c.propose(l2, "g" + std::to_string(i) + "=2");
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l2, raft_last_index(c.node(l2)), 10000));
  raft_fixture_revive(c.f(), l);
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l2))));
  EXPECT_TRUE(k.converged());
  EXPECT_EQ(k.machine(l).data().size(), 100u);
}

TEST(fixture, lagging_follower_is_restored_from_a_snapshot) {
  kv_fixture k(3, /*threshold=*/16, /*trailing=*/4);
  auto& c = k.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  unsigned f = (l + 2) % 3;
  raft_fixture_kill(c.f(), f);
  for (int i = 0; i < 200; ++i) c.propose(l, "s" + std::to_string(i) + "=" + std::to_string(i));
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l, raft_last_index(c.node(l)), 20000));
  raft_fixture_revive(c.f(), f);
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l)), 60000));
  EXPECT_GE(k.machine(f).restores(), 1u);
  EXPECT_TRUE(k.converged());
  EXPECT_EQ(k.machine(f).data().size(), 200u);
}

}  // namespace
}  // namespace ropekv::consensus::test
