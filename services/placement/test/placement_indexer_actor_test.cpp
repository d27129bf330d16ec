// The placement actor's indexer and index handlers on CAF's test_coordinator
// (virtual time, no sleeps): registration, heartbeats, liveness, and the
// index definitions routers send.
#include <gtest/gtest.h>

#include <set>

#include "placement_actor_fixture.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

class placement_indexer_actor_test : public placement_actor_fixture {
 protected:
  // An indexer as placement sees it: its rope_subscriber handle registers
  // itself; `events` records "reply" and "update" in arrival order.
  struct fake_indexer {
    net::rope_subscriber handle;
    std::shared_ptr<std::vector<std::string>> events;
    std::shared_ptr<std::vector<pb::RopeUpdate>> updates;
    std::shared_ptr<uint64_t> id;
  };

  fake_indexer register_indexer(const std::string& address, uint64_t id = 0) {
    fake_indexer n{net::rope_subscriber{}, std::make_shared<std::vector<std::string>>(),
                   std::make_shared<std::vector<pb::RopeUpdate>>(), std::make_shared<uint64_t>(0)};
    pb::RegisterIndexer req;
    req.mutable_indexer()->set_id(id);
    req.mutable_indexer()->set_address(address);
    auto dst = placement_;
    n.handle = sys_->spawn([=](net::rope_subscriber::pointer self) -> net::rope_subscriber::behavior_type {
      self->request(dst, caf::infinite, req, caf::actor_cast<net::rope_subscriber>(self))
          .then([=](pb::RegisterIndexerReply r) {
            EXPECT_EQ(r.status().error_code(), 0u) << r.status().message();
            *n.id = r.indexer_id();
            n.events->push_back("reply");
          });
      return {[=](pb::RopeUpdate& u) {
        n.events->push_back("update");
        n.updates->push_back(u);
      }};
    });
    sched_->run();
    return n;
  }

  pb::Status indexer_beat(uint64_t id, std::vector<pb::IndexReport> reports = {}) {
    pb::IndexerHeartbeat hb;
    hb.set_indexer_id(id);
    for (auto& r : reports) *hb.add_indexes() = r;
    return ask<pb::Status>(hb);
  }

  pb::IndexReply put_index(const std::string& name, const std::string& attribute = "email") {
    pb::PutIndexRequest req;
    req.mutable_spec()->set_table("users");
    req.mutable_spec()->set_name(name);
    req.mutable_spec()->set_attribute(attribute);
    return ask<pb::IndexReply>(req);
  }

  static std::set<uint64_t> holders(const pb::IndexDescriptor& d) {
    std::set<uint64_t> out;
    for (const auto& r : d.replicas()) out.insert(r.indexer_id());
    return out;
  }
};

TEST_F(placement_indexer_actor_test, an_indexer_gets_its_reply_then_updates_with_its_indexes) {
  create_users_table();
  auto [sub, updates] = subscriber();
  ask<pb::RopeUpdate>(subscribe_atom_v, sub);
  auto x = register_indexer("127.0.0.1:8500");
  EXPECT_NE(*x.id, 0u);
  ASSERT_EQ(*x.events, (std::vector<std::string>{"reply", "update"}));
  const pb::RopeUpdate& full = x.updates->front();
  EXPECT_EQ(full.delta().from_version(), 0u);
  ASSERT_EQ(full.indexers_size(), 1);
  EXPECT_EQ(full.indexers(0).id(), *x.id);
  ASSERT_EQ(updates->size(), 1u);  // others hear of it as a meta-only update
  EXPECT_EQ(updates->back().indexers_size(), 1);

  auto created = put_index("by_email");
  ASSERT_EQ(created.status().error_code(), 0u) << created.status().message();
  EXPECT_TRUE(created.created());
  EXPECT_GT(created.index().created_ms(), 0);  // the wall clock
  ASSERT_EQ(x.updates->back().indexes_size(), 1);
  EXPECT_EQ(holders(x.updates->back().indexes(0)), (std::set<uint64_t>{*x.id}));
  EXPECT_FALSE(put_index("by_email").created());
  EXPECT_EQ(put_index("by_email", "mail").status().error_code(),
            static_cast<uint32_t>(errc::already_exists));

  // A report moves the replica to ACTIVE; subscribers see it.
  pb::IndexReport rep;
  rep.set_index_id(created.index().id());
  rep.mutable_state()->set_phase(pb::INDEX_ACTIVE);
  rep.mutable_state()->set_entries(5);
  EXPECT_EQ(indexer_beat(*x.id, {rep}).error_code(), 0u);
  ASSERT_EQ(updates->back().indexes_size(), 1);
  EXPECT_EQ(updates->back().indexes(0).replicas(0).phase(), pb::INDEX_ACTIVE);
  EXPECT_EQ(indexer_beat(*x.id + 7).error_code(), static_cast<uint32_t>(errc::not_found));

  auto list = ask<pb::IndexesReply>(indexes_atom_v, std::string("users"));
  ASSERT_EQ(list.indexes_size(), 1);
  EXPECT_EQ(list.indexes(0).replicas(0).entries(), 5u);
  EXPECT_EQ(ask<pb::IndexesReply>(indexes_atom_v, std::string("nope")).status().error_code(),
            static_cast<uint32_t>(errc::not_found));
  auto one = ask<pb::IndexReply>(indexes_atom_v, std::string("users"), std::string("by_email"));
  EXPECT_EQ(one.index().id(), created.index().id());
  auto dropped =
      ask<pb::IndexReply>(indexes_atom_v, drop_atom_v, std::string("users"), std::string("by_email"));
  EXPECT_EQ(dropped.status().error_code(), 0u);
  EXPECT_EQ(x.updates->back().indexes_size(), 0);
  EXPECT_EQ(ask<pb::IndexReply>(indexes_atom_v, std::string("users"), std::string("by_email"))
                .status()
                .error_code(),
            static_cast<uint32_t>(errc::not_found));
}

TEST_F(placement_indexer_actor_test, dead_indexers_lose_their_replicas_to_live_ones) {
  create_users_table();
  auto x = register_indexer("127.0.0.1:8500");
  auto y = register_indexer("127.0.0.1:8501");
  auto i1 = put_index("i1");
  ASSERT_EQ(holders(i1.index()), (std::set<uint64_t>{*x.id, *y.id}));
  auto z = register_indexer("127.0.0.1:8502");

  // x's handle goes down: z takes its replica at once.
  caf::anon_send_exit(x.handle, caf::exit_reason::user_shutdown);
  sched_->run();
  const pb::RopeUpdate& after_down = z.updates->back();
  ASSERT_EQ(after_down.indexers_size(), 2);
  ASSERT_EQ(after_down.indexes_size(), 1);
  EXPECT_EQ(holders(after_down.indexes(0)), (std::set<uint64_t>{*y.id, *z.id}));

  // y goes silent (z keeps beating): after indexer_timeout it is dropped
  // and nobody is left to take its replica.
  sched_->advance_time(2s);
  sched_->run();
  EXPECT_EQ(indexer_beat(*z.id).error_code(), 0u);
  sched_->advance_time(1s);
  sched_->run();
  const pb::RopeUpdate& after_timeout = z.updates->back();
  ASSERT_EQ(after_timeout.indexers_size(), 1);
  EXPECT_EQ(after_timeout.indexers(0).id(), *z.id);
  EXPECT_EQ(holders(after_timeout.indexes(0)), (std::set<uint64_t>{*z.id}));
  EXPECT_EQ(indexer_beat(*y.id).error_code(), static_cast<uint32_t>(errc::not_found));
  // y re-registers with its id: it keeps it and tops the index up again.
  auto again = register_indexer("127.0.0.1:8501", *y.id);
  EXPECT_EQ(*again.id, *y.id);
  EXPECT_EQ(holders(again.updates->back().indexes(0)), (std::set<uint64_t>{*y.id, *z.id}));
}

}  // namespace
}  // namespace ropekv::placement_service
