#pragma once
// The placement actor on CAF's test_coordinator, for actor tests: every
// message runs on the test's thread when it says so (sched_->run()), and
// time is virtual (sched_->advance_time()), so no sleeps. Fakes stand in
// for owners, subscribers and notifiers.
#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "placement_actor.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {

// What a fake owner received.
struct owner_log {
  std::vector<pb::SegmentAssignment> assignments;
  std::vector<pb::SegmentDrop> drops;
};

class placement_actor_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    cfg_.set("scheduler.policy", caf::atom("testing"));
    cfg_.add_message_types<caf::id_block::ropekv>();
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    sched_ = &dynamic_cast<caf::scheduler::test_coordinator&>(sys_->scheduler());
    placement_options opt;
    opt.down_after = std::chrono::seconds(5);
    opt.tick_interval = std::chrono::seconds(1);
    opt.segments_per_table = 4;
    opt.notifier_timeout = std::chrono::seconds(3);
    opt.indexer_timeout = std::chrono::seconds(3);
    opt.index_replicas = 2;
    auto core = placement_state::open(dir_.file("placement.db"), opt, sys_->clock().now());
    ASSERT_TRUE(core) << core.error().message;
    placement_ = spawn_placement(*sys_, std::move(*core), /*detached=*/false);
    sched_->run();
  }

  void TearDown() override {
    caf::anon_send_exit(placement_, caf::exit_reason::user_shutdown);
    sched_->run();
  }

  // Sends one request from a throwaway actor and runs until its reply.
  template <class Reply, class... Ts>
  Reply ask(Ts... xs) {
    auto out = std::make_shared<std::optional<Reply>>();
    auto dst = placement_;
    sys_->spawn([=](caf::event_based_actor* self) {
      self->request(dst, caf::infinite, xs...).then([=](Reply r) { *out = std::move(r); });
    });
    sched_->run();
    EXPECT_TRUE(out->has_value());
    return out->value_or(Reply{});
  }

  std::pair<net::owner_control, std::shared_ptr<owner_log>> fake_owner() {
    auto log = std::make_shared<owner_log>();
    auto h = sys_->spawn([log](net::owner_control::pointer) -> net::owner_control::behavior_type {
      return {
          [log](pb::SegmentAssignment& a) { log->assignments.push_back(a); },
          [log](pb::SegmentDrop& d) { log->drops.push_back(d); },
      };
    });
    return {h, log};
  }

  std::pair<net::rope_subscriber, std::shared_ptr<std::vector<pb::RopeUpdate>>> subscriber() {
    auto log = std::make_shared<std::vector<pb::RopeUpdate>>();
    auto h = sys_->spawn([log](net::rope_subscriber::pointer) -> net::rope_subscriber::behavior_type {
      return {[log](pb::RopeUpdate& u) { log->push_back(u); }};
    });
    return {h, log};
  }

  uint64_t register_owner(const std::string& rack, const net::owner_control& h) {
    pb::RegisterNode req;
    req.mutable_node()->set_address("127.0.0.1:" + std::to_string(9000 + rack.back()));
    req.mutable_node()->mutable_labels()->set_rack(rack);
    req.mutable_node()->mutable_labels()->set_host("h-" + rack);
    auto reply = ask<pb::RegisterReply>(req, h);
    EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    return reply.node_id();
  }

  // A notifier as placement sees it: its rope_subscriber handle registers
  // itself; `events` records "reply" and "update" in arrival order.
  struct fake_notifier {
    net::rope_subscriber handle;
    std::shared_ptr<std::vector<std::string>> events;
    std::shared_ptr<std::vector<pb::RopeUpdate>> updates;
    std::shared_ptr<uint64_t> id;
  };

  fake_notifier register_notifier(const std::string& address, uint64_t id = 0) {
    fake_notifier n{net::rope_subscriber{}, std::make_shared<std::vector<std::string>>(),
                    std::make_shared<std::vector<pb::RopeUpdate>>(), std::make_shared<uint64_t>(0)};
    pb::RegisterNotifier req;
    req.mutable_notifier()->set_id(id);
    req.mutable_notifier()->set_address(address);
    req.mutable_notifier()->set_ws_url("ws://" + address + "/v1/ws");
    auto dst = placement_;
    n.handle = sys_->spawn([=](net::rope_subscriber::pointer self) -> net::rope_subscriber::behavior_type {
      self->request(dst, caf::infinite, req, caf::actor_cast<net::rope_subscriber>(self))
          .then([=](pb::RegisterNotifierReply r) {
            EXPECT_EQ(r.status().error_code(), 0u) << r.status().message();
            *n.id = r.notifier_id();
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

  pb::Status notifier_beat(uint64_t id) {
    pb::NotifierHeartbeat hb;
    hb.set_notifier_id(id);
    return ask<pb::Status>(hb);
  }

  void create_users_table() {
    auto [owner, log] = fake_owner();
    register_owner("r1", owner);
    pb::CreateTableRequest create;
    create.mutable_schema()->set_name("users");
    create.mutable_schema()->set_hash_key("pk");
    create.mutable_schema()->set_replication(1);
    auto table = ask<pb::TableReply>(create);
    ASSERT_EQ(table.status().error_code(), 0u) << table.status().message();
  }

  pb::HookReply put_hook(const std::string& name) {
    pb::PutHookRequest req;
    req.mutable_spec()->set_name(name);
    req.mutable_spec()->set_url("http://127.0.0.1:9/" + name);
    req.mutable_spec()->set_table("users");
    req.mutable_spec()->set_secret("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYX");
    return ask<pb::HookReply>(req);
  }

  test_support::temp_dir dir_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  caf::scheduler::test_coordinator* sched_ = nullptr;
  net::placement_actor placement_;
};

}  // namespace ropekv::placement_service
