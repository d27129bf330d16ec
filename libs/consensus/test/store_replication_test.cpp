// The segment store replicated through consensus: store_state_machine under
// c-raft's fixture, and under replicas whose Raft log shares the store's
// SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "cluster.hpp"
#include "fixture_cluster.hpp"
#include "ropekv/consensus/store_state_machine.hpp"
#include "ropekv/store/segment_store.hpp"
#include "temp_dir.hpp"

namespace ropekv::consensus::test {
namespace {

// A store plus its adapter, as a segment owner would hold them.
class store_node final : public state_machine {
 public:
  explicit store_node(const std::string& path) {
    auto s = store::segment_store::open(path);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    store_ = std::move(*s);
    sm_ = std::make_unique<store_state_machine>(*store_);
  }
  result<std::string> apply(uint64_t index, std::string_view command) override {
    return sm_->apply(index, command);
  }
  uint64_t applied_index() const override { return sm_->applied_index(); }
  result<std::string> snapshot() override { return sm_->snapshot(); }
  status restore(uint64_t index, std::string_view image) override {
    ++restores_;
    return sm_->restore(index, image);
  }
  bool batches() const override { return true; }
  status stage(uint64_t index, std::string_view command) override { return sm_->stage(index, command); }
  status flush(const result_sink& sink) override { return sm_->flush(sink); }

  store::segment_store& store() { return *store_; }
  uint64_t batches_applied() const { return sm_->batches_applied(); }
  uint64_t digest() { return *store_->digest(); }
  int restores_ = 0;

 private:
  std::unique_ptr<store::segment_store> store_;
  std::unique_ptr<store_state_machine> sm_;
};

std::string put(const std::string& key, const std::string& value, int64_t ts) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* item = m.mutable_put()->mutable_item();
  item->set_table_id(1);
  item->set_hash_key(key);
  item->set_range_key("");
  item->set_value("{\"v\":\"" + value + "\"}");
  return m.SerializeAsString();
}

pb::MutationResult parse(const std::string& bytes) {
  pb::MutationResult r;
  EXPECT_TRUE(r.ParseFromString(bytes));
  return r;
}

std::string value_of(store::segment_store& s, const std::string& key) {
  auto item = s.get(1, key, "", store::read_options{});
  return item ? item->value() : "<missing>";
}

// ------------------------------------------------------------- fixture

struct store_fixture {
  explicit store_fixture(unsigned threshold = 0, unsigned trailing = 0)
      : nodes(make(dir)), c(pointers(nodes), threshold, trailing) {}
  static std::vector<std::unique_ptr<store_node>> make(temp_dir& d) {
    std::vector<std::unique_ptr<store_node>> out;
    for (int i = 0; i < 3; ++i) out.push_back(std::make_unique<store_node>(d.file("s" + std::to_string(i))));
    return out;
  }
  static std::vector<state_machine*> pointers(std::vector<std::unique_ptr<store_node>>& ns) {
    std::vector<state_machine*> out;
    for (auto& n : ns) out.push_back(n.get());
    return out;
  }
  bool converged() {
    for (auto& n : nodes) {
      if (n->digest() != nodes[0]->digest()) return false;
    }
    return true;
  }
  temp_dir dir;
  std::vector<std::unique_ptr<store_node>> nodes;
  fixture_cluster c;
};

TEST(store_fixture, mutations_replicate_through_elections_partitions_and_kills) {
  store_fixture s;
  auto& c = s.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  int64_t ts = 1'000'000;
  apply_op* first = c.propose(l, put("a", "1", ts++));
  for (int i = 0; i < 100; ++i) c.propose(l, put("k" + std::to_string(i % 20), std::to_string(i), ts++));
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l))));
  ASSERT_TRUE(first->done);
  auto res = parse(c.result_of(first));
  EXPECT_EQ(res.error_code(), 0u);
  EXPECT_GT(res.version(), 0u);
  EXPECT_TRUE(s.converged());

  // Partition the leader away; the rest elect and keep writing.
  for (unsigned i = 0; i < 3; ++i) {
    if (i != l) raft_fixture_disconnect(c.f(), l, i);
  }
  ASSERT_TRUE(raft_fixture_step_until_has_no_leader(c.f(), 10000));
  ASSERT_TRUE(c.has_leader());
  unsigned l2 = c.leader();
  ASSERT_NE(l2, l);
  for (int i = 0; i < 30; ++i) c.propose(l2, put("p" + std::to_string(i), "x", ts++));
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l2, raft_last_index(c.node(l2)), 10000));
  for (unsigned i = 0; i < 3; ++i) {
    if (i != l) raft_fixture_reconnect(c.f(), l, i);
  }
  unsigned f = (l2 + 1) % 3 == l ? (l2 + 2) % 3 : (l2 + 1) % 3;
  raft_fixture_kill(c.f(), f);
  for (int i = 0; i < 30; ++i) c.propose(l2, put("q" + std::to_string(i), "y", ts++));
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l2, raft_last_index(c.node(l2)), 10000));
  raft_fixture_revive(c.f(), f);
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l2))));
  EXPECT_TRUE(s.converged());
  for (auto& n : s.nodes) EXPECT_EQ(value_of(n->store(), "q29"), "{\"v\":\"y\"}");
}

TEST(store_fixture, lagging_store_is_restored_from_a_store_snapshot) {
  store_fixture s(/*threshold=*/16, /*trailing=*/4);
  auto& c = s.c;
  ASSERT_TRUE(c.has_leader());
  unsigned l = c.leader();
  unsigned f = (l + 1) % 3;
  raft_fixture_kill(c.f(), f);
  int64_t ts = 5'000'000;
  for (int i = 0; i < 120; ++i) c.propose(l, put("s" + std::to_string(i), "v", ts++));
  ASSERT_TRUE(raft_fixture_step_until_applied(c.f(), l, raft_last_index(c.node(l)), 20000));
  raft_fixture_revive(c.f(), f);
  ASSERT_TRUE(c.step_until_applied_everywhere(raft_last_index(c.node(l)), 60000));
  EXPECT_GE(s.nodes[f]->restores_, 1);
  EXPECT_TRUE(s.converged());
}

// ------------------------------------------------------------ replicas

cluster_options store_options() {
  cluster_options o;
  o.make_machine = [](unsigned, const std::string& path) -> std::unique_ptr<state_machine> {
    return std::make_unique<store_node>(path);  // the same file as the Raft log
  };
  o.digest = [](state_machine& m) { return dynamic_cast<store_node&>(m).digest(); };
  return o;
}

TEST(store_replica, log_and_store_share_one_file_and_apply_in_batches) {
  cluster c(store_options());
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  int done = 0;
  uint64_t last_version = 0;
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(c.r(*l).propose(put("b" + std::to_string(i % 50), std::to_string(i), 2'000'000 + i),
                                [&](result<std::string> r) {
                                  ASSERT_TRUE(r.ok());
                                  auto res = parse(*r);
                                  EXPECT_EQ(res.error_code(), 0u);
                                  EXPECT_GT(res.version(), 0u);
                                  last_version = std::max(last_version, res.version());
                                  ++done;
                                })
                    .ok());
  }
  ASSERT_TRUE(c.run_until([&] { return done == 200; }, 5000));
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());
  auto& leader = c.machine_as<store_node>(*l);
  EXPECT_LT(leader.batches_applied(), 20u);  // 200 mutations, a handful of transactions
  EXPECT_EQ(leader.store().applied_index(), c.r(*l).stats().last_applied);  // the last entry is a put
  // Both layers' tables are in the one file.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(c.path(*l).c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'raft_%'),"
                     " (SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'kv_%')",
                     -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 3);
  EXPECT_GT(sqlite3_column_int(st, 1), 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(store_replica, restarted_replica_replays_idempotently_and_lagging_one_installs_a_snapshot) {
  auto o = store_options();
  o.snapshot_threshold = 32;
  o.snapshot_trailing = 8;
  cluster c(o);
  c.start_all();
  auto l = c.wait_leader();
  ASSERT_TRUE(l.has_value());
  int64_t ts = 3'000'000;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(c.propose(put("r" + std::to_string(i), "1", ts++)).ok());
  ASSERT_TRUE(c.settle());
  unsigned f = (*l + 1) % 3;
  uint64_t applied = c.machine_as<store_node>(f).store().applied_index();
  c.crash(f);
  c.restart(f);  // the store comes back with its applied index; the log replays above it
  EXPECT_EQ(c.machine_as<store_node>(f).store().applied_index(), applied);
  ASSERT_TRUE(c.settle());
  EXPECT_TRUE(c.converged());

  c.crash(f);
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(c.propose(put("t" + std::to_string(i), "2", ts++)).ok());
  c.restart(f);
  ASSERT_TRUE(c.settle(20000));
  EXPECT_GE(c.machine_as<store_node>(f).restores_, 1);
  EXPECT_TRUE(c.converged());
  EXPECT_EQ(value_of(c.machine_as<store_node>(f).store(), "t149"), "{\"v\":\"2\"}");
}

}  // namespace
}  // namespace ropekv::consensus::test
