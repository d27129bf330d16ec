#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <unistd.h>

#include "ropekv/catalog/catalog_db.hpp"

namespace ropekv::catalog {
namespace {

namespace fs = std::filesystem;

class catalog_test : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("catalog_test_" + std::to_string(::getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path() const { return (dir_ / "placement.db").string(); }
  fs::path dir_;
};

TEST_F(catalog_test, ids_are_never_reused_across_reopen) {
  {
    auto db = catalog_db::open(path());
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ(*(*db)->allocate_id(id_kind::segment), 1u);
    EXPECT_EQ(*(*db)->allocate_id(id_kind::segment), 2u);
    EXPECT_EQ(*(*db)->allocate_id(id_kind::node), 1u);
  }
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->allocate_id(id_kind::segment), 3u);
}

TEST_F(catalog_test, tables_create_list_drop) {
  auto db = std::move(catalog_db::open(path()).value());
  pb::TableSchema s;
  s.set_name("users");
  s.set_hash_key("id");
  s.set_replication(3);
  auto created = db->create_table(s);
  ASSERT_TRUE(created.ok());
  EXPECT_GT(created->id(), 0u);
  EXPECT_EQ(db->create_table(s).error().code, errc::already_exists);
  s.set_name("orders");
  auto second = db->create_table(s);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->id(), created->id());
  auto all = db->tables();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name(), "orders");
  EXPECT_EQ(db->table("users")->hash_key(), "id");
  EXPECT_TRUE(db->drop_table("users").ok());
  EXPECT_EQ(db->table("users").error().code, errc::not_found);
  EXPECT_EQ(db->drop_table("users").error().code, errc::not_found);
}

TEST_F(catalog_test, nodes_and_rope_survive_reopen) {
  {
    auto db = std::move(catalog_db::open(path()).value());
    pb::NodeDescriptor n;
    n.set_id(7);
    n.set_address("127.0.0.1:4000");
    n.mutable_labels()->set_rack("r1");
    ASSERT_TRUE(db->put_node(n).ok());
    std::vector<pb::SegmentDescriptor> segs(2);
    segs[0].set_id(1);
    segs[0].set_end_key("m");
    segs[1].set_id(2);
    segs[1].set_start_key("m");
    ASSERT_TRUE(db->save_rope(1, segs).ok());
    segs.pop_back();
    segs[0].clear_end_key();
    ASSERT_TRUE(db->save_rope(2, segs).ok());
    EXPECT_EQ(db->save_rope(2, segs).error().code, errc::invalid_argument);
  }
  auto db = std::move(catalog_db::open(path()).value());
  auto nodes = db->nodes();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].labels().rack(), "r1");
  auto rope = db->load_rope();
  EXPECT_EQ(rope->version, 2u);
  ASSERT_EQ(rope->segments.size(), 1u);
  EXPECT_EQ(rope->segments[0].id(), 1u);
}

TEST_F(catalog_test, garbage_and_foreign_files_are_refused) {
  {
    std::ofstream out(path(), std::ios::binary);
    out << std::string(8192, '\x5A');
  }
  auto garbage = catalog_db::open(path());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code, errc::corrupt);
  fs::remove(path());
  {
    // Another application's SQLite file.
    auto other = catalog_db::open(path());  // creates ours...
    ASSERT_TRUE(other.ok());
  }
  std::string foreign = (dir_ / "foreign.db").string();
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(foreign.c_str(), &raw), SQLITE_OK);
    sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  auto bad = catalog_db::open(foreign);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, errc::corrupt);
}

TEST_F(catalog_test, hooks_are_put_replaced_listed_and_dropped_across_reopen) {
  pb::Hook a;
  a.mutable_spec()->set_name("a");
  a.mutable_spec()->set_secret("whsec_x");
  a.set_created_ms(11);
  a.mutable_state()->set_cursor("c1");
  pb::Hook b;
  b.mutable_spec()->set_name("b");
  {
    auto db = catalog_db::open(path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->put_hook(b).ok());
    ASSERT_TRUE((*db)->put_hook(a).ok());
    a.mutable_state()->set_cursor("c2");
    a.mutable_state()->set_delivered(3);
    ASSERT_TRUE((*db)->put_hook(a).ok());  // replaces
  }
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok());
  auto hooks = (*db)->hooks();
  ASSERT_TRUE(hooks.ok());
  ASSERT_EQ(hooks->size(), 2u);
  EXPECT_EQ((*hooks)[0].spec().name(), "a");  // by name
  EXPECT_EQ((*hooks)[0].state().cursor(), "c2");
  EXPECT_EQ((*hooks)[0].state().delivered(), 3u);
  EXPECT_EQ((*hooks)[0].spec().secret(), "whsec_x");
  EXPECT_EQ((*hooks)[0].created_ms(), 11);
  EXPECT_TRUE((*db)->drop_hook("a").ok());
  auto again = (*db)->drop_hook("a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, errc::not_found);
  EXPECT_EQ((*db)->hooks()->size(), 1u);
}

TEST_F(catalog_test, last_id_reports_the_highest_id_issued) {
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->last_id(id_kind::notifier), 0u);
  EXPECT_EQ(*(*db)->allocate_id(id_kind::notifier), 1u);
  EXPECT_EQ(*(*db)->allocate_id(id_kind::notifier), 2u);
  EXPECT_EQ(*(*db)->last_id(id_kind::notifier), 2u);
  EXPECT_EQ(*(*db)->last_id(id_kind::node), 0u);
}

pb::IndexDescriptor index_desc(uint32_t id, const std::string& name, std::vector<uint64_t> holders = {}) {
  pb::IndexDescriptor d;
  d.set_id(id);
  d.set_table_id(3);
  d.set_created_ms(1000 + id);
  d.mutable_spec()->set_table("users");
  d.mutable_spec()->set_name(name);
  d.mutable_spec()->set_attribute("email");
  d.mutable_spec()->set_type(pb::INDEX_STRING);
  for (uint64_t h : holders) d.add_replicas()->set_indexer_id(h);
  return d;
}

TEST_F(catalog_test, indexes_are_put_replaced_listed_and_dropped_across_reopen) {
  {
    auto db = catalog_db::open(path());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->put_index(index_desc(2, "by_b", {7})).ok());
    ASSERT_TRUE((*db)->put_index(index_desc(1, "by_a")).ok());
    ASSERT_TRUE((*db)->put_index(index_desc(2, "by_b", {7, 9})).ok());  // replaces
  }
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok());
  auto all = (*db)->indexes();
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id(), 1u);  // by id
  EXPECT_EQ((*all)[1].spec().name(), "by_b");
  EXPECT_EQ((*all)[1].created_ms(), 1002);
  ASSERT_EQ((*all)[1].replicas_size(), 2);
  EXPECT_EQ((*all)[1].replicas(1).indexer_id(), 9u);
  EXPECT_TRUE((*db)->drop_index(1).ok());
  auto again = (*db)->drop_index(1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, errc::not_found);
  EXPECT_EQ((*db)->indexes()->size(), 1u);
}

TEST_F(catalog_test, index_and_indexer_ids_have_their_own_allocators) {
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(*(*db)->allocate_id(id_kind::notifier), 1u);
  EXPECT_EQ(*(*db)->allocate_id(id_kind::index), 1u);
  EXPECT_EQ(*(*db)->allocate_id(id_kind::index), 2u);
  EXPECT_EQ(*(*db)->allocate_id(id_kind::indexer), 1u);
  EXPECT_EQ(*(*db)->last_id(id_kind::index), 2u);
  EXPECT_EQ(*(*db)->last_id(id_kind::notifier), 1u);
}

TEST_F(catalog_test, a_catalog_from_before_indexes_gains_the_table_on_open) {
  {
    auto db = catalog_db::open(path());
    ASSERT_TRUE(db.ok());
    pb::NodeDescriptor n;
    n.set_id(1);
    ASSERT_TRUE((*db)->put_node(n).ok());
  }
  {
    // What an older build left: every table but `indexes`.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "DROP TABLE indexes", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ((*db)->nodes()->size(), 1u);  // old content kept
  auto none = (*db)->indexes();
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE((*db)->put_index(index_desc(1, "by_a")).ok());
  EXPECT_EQ((*db)->indexes()->size(), 1u);
}

TEST_F(catalog_test, tokens_are_kept_by_name_until_dropped) {
  pb::AuthToken t;
  t.set_name("ci-reader");
  t.set_secret_hash(std::string(32, '\x07'));
  t.add_roles("read:events");
  t.set_expires_ms(1234);
  t.set_rate_limit(0);
  {
    auto db = catalog_db::open(path());
    ASSERT_TRUE(db);
    ASSERT_TRUE((*db)->put_token(t));
    auto again = (*db)->put_token(t);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, errc::already_exists);
  }
  auto db = catalog_db::open(path());
  ASSERT_TRUE(db);
  auto all = (*db)->tokens();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].SerializeAsString(), t.SerializeAsString());
  EXPECT_TRUE((*all)[0].has_rate_limit());
  ASSERT_TRUE((*db)->drop_token("ci-reader"));
  auto gone = (*db)->drop_token("ci-reader");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, errc::not_found);
  EXPECT_TRUE((*db)->tokens()->empty());
}

}  // namespace
}  // namespace ropekv::catalog
