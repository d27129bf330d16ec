// Replicas over sqlite_raft_io + in_memory_network under virtual time:
// elections, commits, crash/restart from the SQLite file, faults,
// snapshots, group commit and linearizable reads.
#include <gtest/gtest.h>

#include <map>

#include "cluster.hpp"

namespace ropekv::consensus::test {
namespace {

TEST(replica, three_replicas_elect_a_leader_and_commit_many_proposals) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  int done = 0;
  std::map<int, std::string> results;
  for (int i = 0; i < 300; ++i) {
    auto st = c.r(*l).propose("k" + std::to_string(i % 10) + "=" + std::to_string(i),
                              [&, i](result<std::string> res) {
                                ASSERT_TRUE(res.ok()) << res.error().message;
                                results[i] = *res;
                                ++done;
                              });
    ASSERT_TRUE(st.ok());
  }
  ASSERT_TRUE(c.run_until([&] { return done == 300; }, 5000));
  // Results are the previous values, in log order.
  for (int i = 10; i < 300; ++i) EXPECT_EQ(results[i], std::to_string(i - 10));
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.machine(0).data().size(), 10u);
}

TEST(replica, follower_refuses_proposals_with_a_leader_hint) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  ASSERT_TRUE(c.propose("a=1").ok());
  ASSERT_TRUE(c.settle());
  unsigned f = (*l + 1) % 3;
  bool called = false;
  auto st = c.r(f).propose("a=2", [&](result<std::string>) { called = true; });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::not_leader);
  EXPECT_NE(st.error().message.find("leader is " + std::to_string(c.id(*l).value)), std::string::npos);
  ASSERT_TRUE(c.r(f).leader().has_value());
  EXPECT_EQ(c.r(f).leader()->id, c.id(*l));
  EXPECT_EQ(c.r(f).leader()->address, c.address(*l));
  auto rd = c.r(f).read_barrier([&](status) { called = true; });
  EXPECT_EQ(rd.error().code, errc::not_leader);
  c.step(50);
  EXPECT_FALSE(called);  // an error return means the callback never fires
}

TEST(replica, crashed_follower_restarts_from_its_sqlite_file_and_catches_up) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.propose("a" + std::to_string(i) + "=1").ok());
  ASSERT_TRUE(c.settle());
  unsigned f = (*l + 1) % 3;
  uint64_t term_before = c.r(f).stats().term;
  uint64_t last_before = c.r(f).stats().last_index;
  c.crash(f);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.propose("b" + std::to_string(i) + "=2").ok());

  // Term, vote and log come back from the file before any message arrives.
  {
    auto log = sqlite_log::open(c.path(f), sqlite_log_options{false});
    ASSERT_TRUE(log.ok());
    auto hs = (*log)->load_hard_state();
    ASSERT_TRUE(hs.ok());
    EXPECT_EQ(hs->term, term_before);
    auto range = (*log)->entry_range();
    ASSERT_TRUE(range.ok());
    EXPECT_EQ(range->last, last_before);
  }
  c.restart(f);
  EXPECT_EQ(c.r(f).stats().term, term_before);
  EXPECT_EQ(c.r(f).stats().last_index, last_before);
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.machine(f).data().size(), 100u);
}

TEST(replica, killed_leader_is_replaced_within_the_election_timeout_and_no_ack_is_lost) {
  cluster_options o;
  o.durable = false;
  cluster c(o);
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  std::map<std::string, std::string> acked;
  int in_flight = 0;
  // Keep writes in flight up to the crash: acknowledged ones must survive.
  for (int i = 0; i < 200; ++i) {
    std::string key = "w" + std::to_string(i);
    ++in_flight;
    ASSERT_TRUE(c.r(*l).propose(key + "=v", [&, key](result<std::string> res) {
      --in_flight;
      if (res) acked[key] = "v";
    }).ok());
    if (i % 20 == 0) c.step();
  }
  c.step(2);
  unsigned old = *l;
  c.crash(old);
  uint64_t crashed_at = c.now();
  auto l2 = c.wait_leader(5000);
  ASSERT_TRUE(l2.has_value());
  ASSERT_NE(*l2, old);
  // Randomised timeout is in [T, 2T); pre-vote adds one round trip.
  EXPECT_LE(c.now() - crashed_at, 2u * o.election_timeout_ms + 50);
  EXPECT_FALSE(acked.empty());
  ASSERT_TRUE(c.propose("after=1").ok());
  c.restart(old);
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
  for (unsigned i = 0; i < 3; ++i) {
    for (const auto& [k, v] : acked) {
      auto it = c.machine(i).data().find(k);
      ASSERT_NE(it, c.machine(i).data().end()) << "acknowledged write " << k << " lost on node " << i;
      EXPECT_EQ(it->second, v);
    }
  }
}

TEST(replica, converges_under_dropped_and_delayed_messages) {
  cluster_options o;
  o.faults = network_faults{0.10, 1, 25};
  o.seed = 7;
  cluster c(o);
  c.start_all();
  std::map<std::string, std::string> acked;
  int attempts = 0;
  while (acked.size() < 100 && attempts < 2000) {
    ++attempts;
    std::string key = "d" + std::to_string(acked.size());
    auto res = c.propose(key + "=" + std::to_string(attempts), 3000);
    if (res) acked[key] = std::to_string(attempts);
  }
  ASSERT_EQ(acked.size(), 100u);
  c.net().set_faults(network_faults{0.0, 1, 1});
  ASSERT_TRUE(c.settle(20000));
  EXPECT_TRUE(c.converged());
  for (unsigned i = 0; i < 3; ++i) {
    for (const auto& [k, v] : acked) EXPECT_EQ(c.machine(i).data().at(k), v);
  }
  EXPECT_GT(c.net().stats().dropped, 0u);
}

TEST(replica, lagging_follower_gets_a_snapshot) {
  cluster_options o;
  o.snapshot_threshold = 32;
  o.snapshot_trailing = 8;
  o.install_snapshot_timeout_ms = 1000;
  cluster c(o);
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(c.r(*l).raw()->install_snapshot_timeout, 1000u);
  unsigned f = (*l + 2) % 3;
  c.crash(f);
  for (int i = 0; i < 300; ++i) ASSERT_TRUE(c.propose("s" + std::to_string(i) + "=x").ok());
  // The leader's log was compacted behind its snapshots.
  auto range = c.r(*l).io().log().entry_range();
  ASSERT_TRUE(range.ok());
  EXPECT_LT(range->count, 100u);
  EXPECT_GT(range->first, 200u);

  c.restart(f);
  ASSERT_TRUE(c.settle(20000));
  EXPECT_GE(c.machine(f).restores(), 1u);
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.machine(f).data().size(), 300u);

  // And the installed snapshot survives the follower's own restart.
  c.crash(f);
  c.restart(f);
  ASSERT_TRUE(c.settle(20000));
  EXPECT_TRUE(c.converged());
}

TEST(replica, group_commit_uses_far_fewer_fsyncs_than_entries) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  ASSERT_TRUE(c.propose("warm=1").ok());
  ASSERT_TRUE(c.settle());
  std::vector<uint64_t> before;
  for (unsigned i = 0; i < 3; ++i) before.push_back(c.r(i).stats().fsyncs);
  int done = 0;
  const int n = 500;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(c.r(*l).propose("g" + std::to_string(i) + "=1", [&](result<std::string> res) {
      EXPECT_TRUE(res.ok());
      ++done;
    }).ok());
  }
  ASSERT_TRUE(c.run_until([&] { return done == n; }, 5000));
  ASSERT_TRUE(c.settle());
  for (unsigned i = 0; i < 3; ++i) {
    uint64_t fsyncs = c.r(i).stats().fsyncs - before[i];
    EXPECT_LT(fsyncs, 10u) << "node " << i << " used " << fsyncs << " transactions for " << n << " entries";
  }
  EXPECT_GE(c.r(*l).stats().entries_written, static_cast<uint64_t>(n));
}

TEST(replica, readers_share_barriers_and_see_acknowledged_writes) {
  cluster c;
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  ASSERT_TRUE(c.propose("x=1").ok());
  uint64_t barriers_before = c.r(*l).stats().barriers;
  int ok = 0;
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(c.r(*l).read_barrier([&](status st) {
      EXPECT_TRUE(st.ok());
      EXPECT_EQ(c.machine(*l).data().at("x"), "1");
      ++ok;
    }).ok());
  }
  ASSERT_TRUE(c.run_until([&] { return ok == 100; }, 2000));
  EXPECT_EQ(c.r(*l).stats().barriers - barriers_before, 1u);
}

TEST(replica, leases_hold_with_a_majority_and_on_a_single_voter) {
  cluster_options three;
  three.lease_ms = 200;
  cluster c(three);
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  ASSERT_TRUE(c.propose("x=1").ok());
  ASSERT_TRUE(c.run_until([&] { return c.r(*l).lease_valid(c.now()); }, 2000));

  // One voter never hears from a peer, which is what starts a lease's term
  // on larger groups; nobody else can be elected, so its lease holds.
  cluster_options one = three;
  one.n = 1;
  cluster solo(one);
  solo.start_all();
  ASSERT_TRUE(solo.wait_leader().has_value());
  ASSERT_TRUE(solo.propose("y=1").ok());
  ASSERT_TRUE(solo.run_until([&] { return solo.r(0).lease_valid(solo.now()); }, 2000));

  cluster_options off = one;
  off.lease_ms = 0;
  cluster no_lease(off);
  no_lease.start_all();
  ASSERT_TRUE(no_lease.wait_leader().has_value());
  ASSERT_TRUE(no_lease.propose("z=1").ok());
  EXPECT_FALSE(no_lease.r(0).lease_valid(no_lease.now()));  // leases off: barriers only
}

TEST(replica, whole_group_restarts_from_disk) {
  cluster c;
  c.start_all();
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(c.propose("r" + std::to_string(i) + "=1").ok());
  ASSERT_TRUE(c.settle());
  uint64_t digest = c.machine(0).digest();
  for (unsigned i = 0; i < 3; ++i) c.crash(i);
  for (unsigned i = 0; i < 3; ++i) c.restart(i);
  ASSERT_TRUE(c.propose("r40=1").ok());
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(c.machine(0).data().size(), 41u);
  EXPECT_NE(c.machine(0).digest(), digest);
}

}  // namespace
}  // namespace ropekv::consensus::test
