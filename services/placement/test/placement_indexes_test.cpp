// placement_state's global secondary index catalog: define, read, list,
// drop, persistence, and what subscribers see. Driven without CAF.
#include "placement_indexes_fixture.hpp"
#include "ropekv/catalog/catalog_db.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

class placement_indexes_test : public placement_indexes_fixture {};

TEST_F(placement_indexes_test, put_get_list_drop) {
  auto first = put(index_spec("by_email"));
  ASSERT_EQ(first.status().error_code(), 0u) << first.status().message();
  EXPECT_TRUE(first.created());
  EXPECT_NE(first.index().id(), 0u);
  EXPECT_EQ(first.index().table_id(), state_->get_table("users").schema().id());
  EXPECT_EQ(first.index().created_ms(), 1234);
  EXPECT_EQ(first.index().spec().attribute(), "email");

  // The same definition again: ok, not created, the existing index.
  auto again = put(index_spec("by_email"), 9999);
  EXPECT_EQ(again.status().error_code(), 0u);
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.index().id(), first.index().id());
  EXPECT_EQ(again.index().created_ms(), 1234);

  // A different definition under the name: already_exists.
  for (auto changed : {index_spec("by_email", "users", "mail"), index_spec("by_email")}) {
    if (changed.attribute() == "email") changed.set_unique(true);
    auto r = put(changed);
    EXPECT_EQ(r.status().error_code(), code(errc::already_exists));
    EXPECT_EQ(r.status().message().rfind("index_exists", 0), 0u) << r.status().message();
  }
  // Names are per table.
  auto other = put(index_spec("by_email", "orders"));
  EXPECT_TRUE(other.created());
  EXPECT_NE(other.index().id(), first.index().id());
  ASSERT_EQ(put(index_spec("a_first")).status().error_code(), 0u);

  auto list = state_->list_indexes("users");
  ASSERT_EQ(list.status().error_code(), 0u);
  ASSERT_EQ(list.indexes_size(), 2);
  EXPECT_EQ(list.indexes(0).spec().name(), "a_first");  // by name
  EXPECT_EQ(list.indexes(1).spec().name(), "by_email");
  EXPECT_EQ(state_->list_indexes("orders").indexes_size(), 1);
  EXPECT_EQ(state_->list_indexes("nope").status().error_code(), code(errc::not_found));

  EXPECT_EQ(state_->get_index("users", "by_email").index().id(), first.index().id());
  EXPECT_EQ(state_->get_index("users", "zz").status().error_code(), code(errc::not_found));
  EXPECT_EQ(state_->get_index("nope", "by_email").status().error_code(), code(errc::not_found));

  auto dropped = state_->drop_index("users", "by_email");
  EXPECT_EQ(dropped.status().error_code(), 0u);
  EXPECT_EQ(dropped.index().id(), first.index().id());
  EXPECT_EQ(state_->drop_index("users", "by_email").status().error_code(), code(errc::not_found));
  EXPECT_EQ(state_->drop_index("nope", "x").status().error_code(), code(errc::not_found));
  EXPECT_EQ(state_->get_index("orders", "by_email").status().error_code(), 0u);  // the other table's
}

TEST_F(placement_indexes_test, specs_are_checked_minimally_and_the_table_must_exist) {
  auto missing = put(index_spec("i", "nope"));
  EXPECT_EQ(missing.status().error_code(), code(errc::not_found));
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos) << missing.status().message();
  EXPECT_EQ(put(index_spec("")).status().error_code(), code(errc::invalid_argument));
  EXPECT_EQ(put(index_spec("i", "users", "")).status().error_code(), code(errc::invalid_argument));
  EXPECT_EQ(put(index_spec("i", "")).status().error_code(), code(errc::invalid_argument));
  auto bad_type = index_spec("i");
  bad_type.set_type(static_cast<pb::IndexType>(42));
  EXPECT_EQ(put(bad_type).status().error_code(), code(errc::invalid_argument));
  auto bad_projection = index_spec("i");
  bad_projection.set_projection(static_cast<pb::IndexProjection>(7));
  EXPECT_EQ(put(bad_projection).status().error_code(), code(errc::invalid_argument));
  EXPECT_TRUE(state_->indexes().empty());
}

TEST_F(placement_indexes_test, ids_are_never_reused_and_indexes_survive_a_restart) {
  uint32_t a = put_ok("a");
  uint32_t b = put_ok("b");
  EXPECT_GT(b, a);
  ASSERT_EQ(state_->drop_index("users", "b").status().error_code(), 0u);
  uint32_t b2 = put_ok("b");
  EXPECT_GT(b2, b);
  open();
  ASSERT_EQ(state_->indexes().size(), 2u);
  auto got = state_->get_index("users", "b");
  EXPECT_EQ(got.index().id(), b2);
  EXPECT_EQ(got.index().created_ms(), 1234);
  EXPECT_EQ(got.index().spec().attribute(), "email");
  EXPECT_EQ(state_->get_index("users", "a").index().id(), a);
  EXPECT_GT(put_ok("c"), b2);  // the allocator is persisted
}

TEST_F(placement_indexes_test, dropping_a_table_drops_its_indexes) {
  uint64_t x = add_indexer();
  put_ok("u1");
  put_ok("u2");
  uint32_t o1 = put_ok("o1", "orders");
  (void)state_->take_effects();
  ASSERT_EQ(state_->drop_table("users").status().error_code(), 0u);
  ASSERT_EQ(state_->indexes().size(), 1u);
  EXPECT_EQ(state_->indexes().begin()->first, o1);
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->indexes_size(), 1);
  EXPECT_EQ(load(), (std::map<uint64_t, int>{{x, 1}}));
  // A table of the same name again starts with no indexes.
  create_table("users");
  EXPECT_EQ(state_->list_indexes("users").indexes_size(), 0);
  open();
  EXPECT_EQ(state_->indexes().size(), 1u);
}

TEST_F(placement_indexes_test, indexes_of_a_table_gone_are_dropped_on_open) {
  uint32_t u1 = put_ok("u1");
  state_.reset();
  {
    // What a crash between the table's row and its indexes' rows leaves.
    auto db = catalog::catalog_db::open(dir_.file("placement.db"));
    ASSERT_TRUE(db);
    pb::IndexDescriptor stray;
    stray.set_id(77);
    stray.set_table_id(4242);
    *stray.mutable_spec() = index_spec("stray", "gone");
    ASSERT_TRUE((*db)->put_index(stray).ok());
  }
  open();
  ASSERT_EQ(state_->indexes().size(), 1u);
  EXPECT_EQ(state_->indexes().begin()->first, u1);
  open();
  EXPECT_EQ(state_->indexes().size(), 1u);
}

TEST_F(placement_indexes_test, rope_updates_carry_indexers_and_indexes) {
  uint64_t x = add_indexer();
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->indexers_size(), 1);
  EXPECT_EQ(fx.update->indexers(0).id(), x);
  EXPECT_EQ(fx.update->indexers(0).address(), "127.0.0.1:8500");
  EXPECT_EQ(fx.update->delta().from_version(), fx.update->delta().to_version());
  EXPECT_EQ(beat(x).error_code(), 0u);
  EXPECT_FALSE(state_->take_effects().update);  // a heartbeat is not news
  EXPECT_EQ(add_indexer(x), x);                 // the same indexer again
  EXPECT_FALSE(state_->take_effects().update);

  uint32_t i1 = put_ok("i1");
  fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->indexes_size(), 1);
  EXPECT_EQ(fx.update->indexes(0).id(), i1);
  ASSERT_EQ(fx.update->indexes(0).replicas_size(), 1);
  EXPECT_EQ(fx.update->indexes(0).replicas(0).indexer_id(), x);
  EXPECT_EQ(put(index_spec("i1")).status().error_code(), 0u);  // the same again: not news
  EXPECT_FALSE(state_->take_effects().update);

  auto full = state_->full_update();
  EXPECT_EQ(full.delta().from_version(), 0u);
  EXPECT_EQ(full.indexers_size(), 1);
  EXPECT_EQ(full.indexes_size(), 1);
  ASSERT_EQ(state_->drop_index("users", "i1").status().error_code(), 0u);
  fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->indexes_size(), 0);
}

}  // namespace
}  // namespace ropekv::placement_service
