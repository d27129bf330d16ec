// The checker on hand-made histories: each anomaly it names is found in a
// minimal history that has it (so it can fail), and serializable
// histories, hand-made and generated from serial runs, pass.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ropekv/history/checker.hpp"

namespace ropekv::history {
namespace {

struct builder {
  history h;
  transaction& txn(uint64_t id, outcome o = outcome::committed) {
    h.txns.push_back(transaction{id, o, {}, {}, {}});
    return h.txns.back();
  }
};

transaction& r(transaction& t, const std::string& key, std::optional<uint64_t> v) {
  t.reads.push_back({key, v});
  return t;
}
transaction& w(transaction& t, const std::string& key, uint64_t v, bool tombstone = false) {
  t.writes.push_back({key, v, tombstone});
  return t;
}

TEST(history_checker, serial_history_passes) {
  builder b;
  w(w(b.txn(1), "x", 1), "y", 1);
  w(r(b.txn(2), "x", 1), "x", 2);
  w(r(r(b.txn(3), "x", 2), "y", 1), "y", 3);
  r(r(b.txn(4), "x", 2), "y", 3);
  // A read-only transaction that saw the old x serializes before T2.
  r(r(b.txn(5), "x", 1), "y", 1);
  // An aborted writer nobody read from changes nothing.
  w(r(b.txn(6, outcome::aborted), "x", 2), "x", 99);
  auto res = check(b.h);
  EXPECT_TRUE(res.ok()) << res.report();
  EXPECT_EQ(res.committed, 5u);
  EXPECT_GT(res.edges, 0u);
}

TEST(history_checker, g0_write_cycle) {
  builder b;
  w(w(b.txn(1), "x", 1), "y", 2);
  w(w(b.txn(2), "x", 2), "y", 1);
  auto res = check(b.h);
  ASSERT_TRUE(res.has(anomaly_kind::g0)) << res.report();
  for (const auto& a : res.anomalies)
    if (a.kind == anomaly_kind::g0) {
      ASSERT_EQ(a.cycle.size(), 2u);
      EXPECT_EQ(a.cycle[0].kind, edge_kind::ww);
      EXPECT_EQ(a.cycle[1].kind, edge_kind::ww);
      EXPECT_EQ(a.cycle[0].to, a.cycle[1].from);
      EXPECT_EQ(a.cycle[1].to, a.cycle[0].from);
    }
}

TEST(history_checker, g1a_aborted_read) {
  builder b;
  w(b.txn(1, outcome::aborted), "x", 5);
  r(b.txn(2), "x", 5);
  auto res = check(b.h);
  ASSERT_EQ(res.count(anomaly_kind::g1a), 1u) << res.report();
  EXPECT_NE(res.report().find("aborted"), std::string::npos);
}

TEST(history_checker, g1b_intermediate_read) {
  builder b;
  w(w(b.txn(1), "x", 1), "x", 2);
  r(b.txn(2), "x", 1);
  auto res = check(b.h);
  EXPECT_EQ(res.count(anomaly_kind::g1b), 1u) << res.report();
}

TEST(history_checker, g1c_circular_information_flow) {
  builder b;
  r(w(b.txn(1), "x", 1), "y", 1);
  r(w(b.txn(2), "y", 1), "x", 1);
  auto res = check(b.h);
  ASSERT_TRUE(res.has(anomaly_kind::g1c)) << res.report();
  EXPECT_FALSE(res.has(anomaly_kind::g0));
}

TEST(history_checker, lost_update_is_g_single) {
  builder b;
  w(b.txn(0), "x", 1);
  w(r(b.txn(1), "x", 1), "x", 2);
  w(r(b.txn(2), "x", 1), "x", 3);
  auto res = check(b.h);
  ASSERT_EQ(res.count(anomaly_kind::g_single), 1u) << res.report();
  EXPECT_NE(res.report().find("lost update on x"), std::string::npos) << res.report();
}

TEST(history_checker, write_skew_is_g2_item) {
  builder b;
  w(w(b.txn(0), "x", 1), "y", 1);
  w(r(r(b.txn(1), "x", 1), "y", 1), "x", 2);
  w(r(r(b.txn(2), "x", 1), "y", 1), "y", 2);
  auto res = check(b.h);
  ASSERT_EQ(res.count(anomaly_kind::g2_item), 1u) << res.report();
  EXPECT_FALSE(res.has(anomaly_kind::g_single));
  EXPECT_NE(res.report().find("write skew"), std::string::npos) << res.report();
}

TEST(history_checker, write_skew_on_absent_keys) {
  // Both check the other's key is absent, then insert their own.
  builder b;
  w(r(b.txn(1), "x", std::nullopt), "y", 1);
  w(r(b.txn(2), "y", std::nullopt), "x", 1);
  auto res = check(b.h);
  EXPECT_TRUE(res.has(anomaly_kind::g2_item)) << res.report();
}

TEST(history_checker, read_skew_is_g_single) {
  builder b;
  w(w(b.txn(0), "x", 1), "y", 1);
  w(w(b.txn(1), "x", 2), "y", 2);
  r(r(b.txn(2), "x", 1), "y", 2);  // half of T1
  auto res = check(b.h);
  ASSERT_EQ(res.count(anomaly_kind::g_single), 1u) << res.report();
  const auto& a = res.anomalies.front();
  EXPECT_EQ(a.cycle.size(), 2u);
}

TEST(history_checker, longer_cycle_through_three_transactions) {
  // T1 -wr(a)-> T2 -wr(b)-> T3 -rw(c)-> T1.
  builder b;
  w(r(b.txn(1), "c", std::nullopt), "a", 1);
  w(r(b.txn(2), "a", 1), "b", 1);
  w(r(b.txn(3), "b", 1), "z", 1);
  r(b.txn(4), "c", std::nullopt);
  w(r(b.txn(5), "z", 1), "c", 1);  // T3 -wr(z)-> T5; T1 -rw(c)-> T5
  auto res = check(b.h);
  EXPECT_TRUE(res.ok()) << res.report();  // no cycle yet: T1 rw-> T5 is forward
  b.h.txns[2].reads.push_back({"c", std::nullopt});  // T3 also saw c absent: T3 -rw(c)-> T5, still no cycle
  EXPECT_TRUE(check(b.h).ok());
  b.h.txns[4].writes.push_back({"d", 1, false});
  b.h.txns[0].reads.push_back({"d", 1});  // T5 -wr(d)-> T1 closes T1 -wr-> T2 -wr-> T3 -wr-> T5 -wr-> T1
  res = check(b.h);
  EXPECT_TRUE(res.has(anomaly_kind::g1c)) << res.report();
}

TEST(history_checker, duplicate_version_and_garbage_read) {
  builder b;
  w(b.txn(1), "x", 1);
  w(b.txn(2), "x", 1);
  r(b.txn(3), "y", 7);
  auto res = check(b.h);
  EXPECT_EQ(res.count(anomaly_kind::duplicate_version), 1u) << res.report();
  EXPECT_EQ(res.count(anomaly_kind::garbage_read), 1u) << res.report();
}

TEST(history_checker, unknown_outcome_counts_once_read) {
  builder b;
  w(b.txn(1), "x", 1);
  w(r(b.txn(2, outcome::unknown), "x", 1), "x", 2);
  r(b.txn(3), "x", 2);  // saw T2's write: T2 committed
  auto res = check(b.h);
  EXPECT_TRUE(res.ok()) << res.report();
  EXPECT_EQ(res.committed, 3u);
  // An unknown transaction nobody read from is left out, even one that
  // would close a cycle.
  builder c;
  w(c.txn(1), "x", 1);
  w(r(c.txn(2), "x", 1), "x", 3);
  w(r(c.txn(3, outcome::unknown), "x", 1), "x", 2);
  res = check(c.h);
  EXPECT_TRUE(res.ok()) << res.report();
  EXPECT_EQ(res.committed, 2u);
  // A read of an unknown transaction's version promotes it: lost update.
  r(c.txn(4), "x", 2);
  res = check(c.h);
  EXPECT_TRUE(res.has(anomaly_kind::g_single)) << res.report();
}

TEST(history_checker, absent_read_of_a_deleted_key_derives_nothing) {
  builder b;
  w(b.txn(1), "x", 1);
  w(r(b.txn(2), "x", 1), "x", 2, true);
  w(r(b.txn(3), "x", std::nullopt), "y", 1);  // after the delete
  r(b.txn(4), "y", 1);
  auto res = check(b.h);
  EXPECT_TRUE(res.ok()) << res.report();
}

// Serial executions against a versioned map are serializable whatever
// the mix: the checker accepts every one. Then one read moved to a
// stale version turns a read-write transaction into a lost update.
TEST(history_checker, generated_serial_histories_pass_and_a_stale_read_fails) {
  std::mt19937_64 rng(12);
  for (int round = 0; round < 20; ++round) {
    builder b;
    std::map<std::string, uint64_t> current;
    uint64_t next_version = 1;
    for (uint64_t id = 1; id <= 300; ++id) {
      auto& t = b.txn(id, rng() % 10 == 0 ? outcome::aborted : outcome::committed);
      std::set<std::string> touched;
      int ops = 1 + static_cast<int>(rng() % 4);
      for (int i = 0; i < ops; ++i) {
        std::string k = "k" + std::to_string(rng() % 12);
        if (!touched.insert(k).second) continue;
        auto it = current.find(k);
        std::optional<uint64_t> v = it == current.end() ? std::nullopt : std::optional<uint64_t>(it->second);
        if (t.result == outcome::committed || rng() % 2) r(t, k, v);
        if (rng() % 2) w(t, k, next_version++);
      }
      if (t.result == outcome::committed)
        for (const auto& wr : t.writes) current[wr.key] = wr.version;
    }
    auto res = check(b.h);
    ASSERT_TRUE(res.ok()) << "round " << round << ":\n" << res.report();
  }
  builder b;
  w(b.txn(1), "k", 1);
  w(r(b.txn(2), "k", 1), "k", 2);
  w(r(b.txn(3), "k", 2), "k", 3);
  EXPECT_TRUE(check(b.h).ok());
  b.h.txns[2].reads[0].version = 1;  // T3 read the stale version
  auto res = check(b.h);
  EXPECT_TRUE(res.has(anomaly_kind::g_single)) << res.report();
  EXPECT_NE(res.report().find("lost update on k"), std::string::npos) << res.report();
}

}  // namespace
}  // namespace ropekv::history
