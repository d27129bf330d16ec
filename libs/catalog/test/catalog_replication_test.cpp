// The replicated catalog without a network: three (or four) replicas of
// libs/consensus on its in-memory network under virtual time, each with a
// catalog_replicator over its own catalog file; the leader writes through
// a catalog_db in replicated mode, exactly as placement does.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "ropekv/catalog/catalog_db.hpp"
#include "ropekv/catalog/catalog_replicator.hpp"

namespace ropekv::catalog {
namespace {

using consensus::test::cluster;
using consensus::test::cluster_options;

class replicated_catalog : public testing::Test {
 protected:
  void start(unsigned n = 3, unsigned snapshot_threshold = 1024) {
    cluster_options o;
    o.n = n;
    o.snapshot_threshold = snapshot_threshold;
    o.snapshot_trailing = 2;
    o.make_machine = [this](unsigned i, const std::string& path) -> std::unique_ptr<consensus::state_machine> {
      auto m = catalog_replicator::open(path + ".catalog", 1000 * (i + 1) + (++incarnations_));
      EXPECT_TRUE(m.ok()) << m.error().message;
      return std::move(*m);
    };
    o.digest = [](consensus::state_machine&) { return uint64_t{0}; };
    cl_ = std::make_unique<cluster>(o);
    cl_->start_all();
    ASSERT_TRUE(cl_->wait_leader().has_value());
  }

  std::string catalog_path(unsigned i) { return cl_->path(i) + ".catalog"; }
  catalog_replicator& machine(unsigned i) { return cl_->machine_as<catalog_replicator>(i); }

  /// The leader's catalog connection in replicated mode, wired to its
  /// replica; waits pump the whole cluster (one thread, virtual time).
  std::unique_ptr<catalog_db> leader_catalog(unsigned leader) {
    auto& m = machine(leader);
    m.set_propose([this, leader](std::string cmd, std::function<void(error)> failed) -> status {
      if (!cl_->up(leader)) return make_error(errc::unavailable, "down");
      return cl_->r(leader).propose(std::move(cmd), [failed](result<std::string> r) {
        if (!r) failed(r.error());
      });
    });
    m.set_wait([this](const std::function<bool()>& done, std::chrono::milliseconds limit) {
      cl_->run_until(done, static_cast<unsigned>(limit.count()));
    });
    m.set_commit_timeout(std::chrono::milliseconds(2000));  // virtual ms
    auto db = catalog_db::open(catalog_path(leader));
    EXPECT_TRUE(db.ok()) << db.error().message;
    EXPECT_TRUE((*db)->replicate_through(m).ok());
    return std::move(*db);
  }

  /// A fresh read of instance i's file (its own connection).
  std::vector<std::string> table_names(unsigned i) {
    auto db = catalog_db::open(catalog_path(i));
    EXPECT_TRUE(db.ok());
    std::vector<std::string> out;
    auto tables = (*db)->tables();
    EXPECT_TRUE(tables.ok());
    for (auto& t : *tables) out.push_back(t.name() + "#" + std::to_string(t.id()));
    return out;
  }

  pb::TableSchema schema(const std::string& name) {
    pb::TableSchema s;
    s.set_name(name);
    return s;
  }

  unsigned incarnations_ = 0;
  std::unique_ptr<cluster> cl_;
};

TEST_F(replicated_catalog, every_table_of_a_batch_reaches_every_instance) {
  start();
  unsigned l = *cl_->leader();
  auto db = leader_catalog(l);
  ASSERT_TRUE(db->create_table(schema("orders")).ok());
  pb::NodeDescriptor node;
  node.set_id(7);
  node.set_address("127.0.0.1:1");
  ASSERT_TRUE(db->put_node(node).ok());
  pb::Hook hook;
  hook.mutable_spec()->set_name("h1");
  ASSERT_TRUE(db->put_hook(hook).ok());
  pb::SegmentDescriptor seg;
  seg.set_id(3);
  ASSERT_TRUE(db->save_rope(5, {seg}).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  ASSERT_TRUE(db->create_table(schema("users")).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  ASSERT_TRUE(cl_->settle());

  for (unsigned i = 0; i < 3; ++i) {
    EXPECT_EQ(table_names(i), (std::vector<std::string>{"orders#1", "users#2"})) << "instance " << i;
    auto other = catalog_db::open(catalog_path(i));
    ASSERT_TRUE(other.ok());
    EXPECT_EQ((*other)->nodes()->size(), 1u);
    EXPECT_EQ((*other)->hooks()->size(), 1u);
    EXPECT_EQ((*other)->load_rope()->version, 5u);
    EXPECT_EQ(*(*other)->last_id(id_kind::table), 2u);
    EXPECT_GT(*(*other)->applied_index(), 0u);
  }
  // The leader's own entries were committed by its waiting connection, not
  // applied a second time.
  EXPECT_EQ(machine(l).foreign_changes(), 0u);
  EXPECT_GT(machine((l + 1) % 3).foreign_changes(), 0u);
}

TEST_F(replicated_catalog, a_failed_method_inside_a_batch_undoes_only_itself) {
  start();
  auto db = leader_catalog(*cl_->leader());
  ASSERT_TRUE(db->create_table(schema("a")).ok());
  auto dup = db->create_table(schema("a"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, errc::already_exists);
  ASSERT_TRUE(db->create_table(schema("b")).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  ASSERT_TRUE(cl_->settle());
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(table_names(i), (std::vector<std::string>{"a#1", "b#2"}));
}

TEST_F(replicated_catalog, a_batch_without_quorum_is_not_acknowledged_and_rolls_back) {
  start();
  unsigned l = *cl_->leader();
  auto db = leader_catalog(l);
  ASSERT_TRUE(db->create_table(schema("kept")).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  cl_->net().isolate(cl_->id(l));
  ASSERT_TRUE(db->create_table(schema("lost")).ok());
  auto st = db->commit_batch();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::unavailable);
  // The leader's own file does not show the unacknowledged table.
  EXPECT_EQ(table_names(l), (std::vector<std::string>{"kept#1"}));
  auto tables = db->tables();
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->size(), 1u);
  // Healed, everyone agrees on whatever the log holds.
  cl_->net().heal_all();
  ASSERT_TRUE(cl_->settle());
  cl_->step(500);
  ASSERT_TRUE(cl_->settle());
  auto first = table_names(0);
  for (unsigned i = 1; i < 3; ++i) EXPECT_EQ(table_names(i), first);
  EXPECT_EQ(first.front(), "kept#1");
}

TEST_F(replicated_catalog, a_restarted_instance_replays_its_log_without_applying_twice) {
  start();
  unsigned l = *cl_->leader();
  unsigned f = (l + 1) % 3;
  auto db = leader_catalog(l);
  ASSERT_TRUE(db->create_table(schema("t1")).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  ASSERT_TRUE(cl_->settle());
  cl_->crash(f);
  ASSERT_TRUE(db->create_table(schema("t2")).ok());
  ASSERT_TRUE(db->commit_batch().ok());
  cl_->restart(f);
  ASSERT_TRUE(cl_->settle());
  EXPECT_EQ(table_names(f), (std::vector<std::string>{"t1#1", "t2#2"}));
  auto other = catalog_db::open(catalog_path(f));
  EXPECT_EQ(*(*other)->last_id(id_kind::table), 2u);
}

TEST_F(replicated_catalog, an_empty_instance_is_rebuilt_from_a_snapshot_image) {
  start(3, /*snapshot_threshold=*/4);
  unsigned l = *cl_->leader();
  auto db = leader_catalog(l);
  for (int k = 0; k < 12; ++k) {
    ASSERT_TRUE(db->create_table(schema("t" + std::to_string(k))).ok());
    ASSERT_TRUE(db->commit_batch().ok());
  }
  ASSERT_TRUE(cl_->settle());
  unsigned fresh = cl_->add_empty_node();
  std::optional<status> added;
  ASSERT_TRUE(cl_->r(l).add_nonvoter(cl_->id(fresh), cl_->address(fresh), [&](status s) { added = s; }).ok());
  ASSERT_TRUE(cl_->run_until([&] { return added.has_value(); }, 5000));
  ASSERT_TRUE(added->ok()) << added->error().message;
  ASSERT_TRUE(cl_->settle());
  EXPECT_EQ(table_names(fresh).size(), 12u);
  EXPECT_EQ(table_names(fresh), table_names(l));
  EXPECT_GT(machine(fresh).foreign_changes(), 0u);  // restored, not written by a waiter
}

}  // namespace
}  // namespace ropekv::catalog
