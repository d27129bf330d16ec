// The placement actor on CAF's test_coordinator: every message runs on this
// thread when the test says so, and time is virtual (no sleeps).
#include "placement_actor_fixture.hpp"

#include <caf/all.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "rope_layout.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

class placement_actor_test : public placement_actor_fixture {};

TEST_F(placement_actor_test, subscribers_get_the_full_rope_then_deltas) {
  auto [sub, updates] = subscriber();
  auto full = ask<pb::RopeUpdate>(subscribe_atom_v, sub);
  EXPECT_EQ(full.delta().from_version(), 0u);
  ASSERT_EQ(full.delta().upserted_segments_size(), 1);  // the one gap
  auto mirror = rope::apply(rope::rope{}, rope::from_proto(full.delta()));
  ASSERT_TRUE(mirror) << mirror.error().message;

  std::vector<std::shared_ptr<owner_log>> owners;
  for (auto rack : {"r1", "r2", "r3"}) {
    auto [h, log] = fake_owner();
    register_owner(rack, h);
    owners.push_back(log);
  }
  // Registrations change the node list only: empty deltas carrying nodes.
  ASSERT_EQ(updates->size(), 3u);
  EXPECT_EQ(updates->back().delta().from_version(), updates->back().delta().to_version());
  EXPECT_EQ(updates->back().nodes_size(), 3);
  updates->clear();

  pb::CreateTableRequest create;
  create.mutable_schema()->set_name("users");
  create.mutable_schema()->set_hash_key("pk");
  auto table = ask<pb::TableReply>(create);
  ASSERT_EQ(table.status().error_code(), 0u) << table.status().message();

  ASSERT_EQ(updates->size(), 1u);
  const pb::RopeUpdate& delta = updates->front();
  EXPECT_EQ(delta.delta().from_version(), mirror->version());
  EXPECT_EQ(delta.tables_size(), 1);
  auto next = rope::apply(*mirror, rope::from_proto(delta.delta()));
  ASSERT_TRUE(next) << next.error().message;
  auto cluster = ask<pb::ClusterReply>(cluster_atom_v);
  EXPECT_EQ(next->version(), cluster.rope_version());
  EXPECT_EQ(table_segments(*next, table.schema().id()).size(), 4u);
  ASSERT_EQ(cluster.segments_size(), 4);
  for (int i = 0; i < cluster.segments_size(); ++i)
    EXPECT_EQ(rope::from_proto(cluster.segments(i)), *next->find(segment_id{cluster.segments(i).id()}));
  // Every owner was told to bootstrap its replicas: 4 segments x 3 replicas.
  for (const auto& log : owners) {
    EXPECT_EQ(log->assignments.size(), 4u);
    for (const auto& a : log->assignments) EXPECT_TRUE(a.bootstrap());
  }

  // Dropping the table tells every owner to drop its replicas.
  auto dropped = ask<pb::TableReply>(drop_atom_v, std::string("users"));
  EXPECT_EQ(dropped.status().error_code(), 0u);
  for (const auto& log : owners) EXPECT_EQ(log->drops.size(), 4u);
  ASSERT_EQ(updates->size(), 2u);
  EXPECT_EQ(updates->back().delta().from_version(), next->version());
  EXPECT_EQ(ask<pb::TablesReply>(tables_atom_v).tables_size(), 0);
}

TEST_F(placement_actor_test, a_dead_subscriber_is_dropped) {
  std::ostringstream logs;  // placement logs the removal; nothing else shows it
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(logs)));
  auto [gone, gone_log] = subscriber();
  auto [stays, stays_log] = subscriber();
  ask<pb::RopeUpdate>(subscribe_atom_v, gone);
  ask<pb::RopeUpdate>(subscribe_atom_v, stays);
  caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  sched_->run();
  auto [owner, owner_log] = fake_owner();
  register_owner("r1", owner);
  EXPECT_EQ(stays_log->size(), 1u);
  EXPECT_TRUE(gone_log->empty());
  spdlog::set_default_logger(previous);
  EXPECT_NE(logs.str().find("event=subscriber_down remaining=1"), std::string::npos) << logs.str();
}

TEST_F(placement_actor_test, the_timer_marks_silent_nodes_down_in_virtual_time) {
  auto [owner, log] = fake_owner();
  uint64_t id = register_owner("r1", owner);
  EXPECT_EQ(ask<pb::ClusterReply>(cluster_atom_v).alive_nodes_size(), 1);
  sched_->advance_time(4s);
  sched_->run();
  pb::Heartbeat hb;
  hb.set_node_id(id);
  EXPECT_EQ(ask<pb::Status>(hb).error_code(), 0u);
  sched_->advance_time(4s);  // 4 s since the heartbeat: still alive
  sched_->run();
  EXPECT_EQ(ask<pb::ClusterReply>(cluster_atom_v).alive_nodes_size(), 1);
  sched_->advance_time(2s);  // 6 s: down
  sched_->run();
  EXPECT_EQ(ask<pb::ClusterReply>(cluster_atom_v).alive_nodes_size(), 0);
  hb.set_node_id(4242);
  EXPECT_EQ(ask<pb::Status>(hb).error_code(), static_cast<uint32_t>(errc::not_found));
}

TEST_F(placement_actor_test, a_notifier_gets_its_reply_then_the_full_rope_with_notifiers) {
  auto [sub, updates] = subscriber();
  ask<pb::RopeUpdate>(subscribe_atom_v, sub);
  auto n = register_notifier("127.0.0.1:8100");
  EXPECT_NE(*n.id, 0u);
  ASSERT_EQ(*n.events, (std::vector<std::string>{"reply", "update"}));
  const pb::RopeUpdate& full = n.updates->front();
  EXPECT_EQ(full.delta().from_version(), 0u);
  ASSERT_EQ(full.notifiers_size(), 1);
  EXPECT_EQ(full.notifiers(0).id(), *n.id);
  EXPECT_EQ(full.notifiers(0).ws_url(), "ws://127.0.0.1:8100/v1/ws");
  // Other subscribers hear of it as a meta-only update.
  ASSERT_EQ(updates->size(), 1u);
  EXPECT_EQ(updates->back().delta().from_version(), updates->back().delta().to_version());
  EXPECT_EQ(updates->back().notifiers_size(), 1);
  // Heartbeats are not news.
  EXPECT_EQ(notifier_beat(*n.id).error_code(), 0u);
  EXPECT_EQ(updates->size(), 1u);
  EXPECT_EQ(notifier_beat(*n.id + 7).error_code(), static_cast<uint32_t>(errc::not_found));
  // The notifier itself gets later updates too (a second one arrives).
  auto m = register_notifier("127.0.0.1:8200");
  ASSERT_EQ(n.updates->size(), 2u);
  EXPECT_EQ(n.updates->back().notifiers_size(), 2);
  EXPECT_EQ(m.updates->back().notifiers_size(), 2);
}

TEST_F(placement_actor_test, a_silent_notifier_is_dropped_and_its_hooks_move) {
  create_users_table();
  auto a = register_notifier("127.0.0.1:8100");
  auto b = register_notifier("127.0.0.1:8200");
  for (auto name : {"h1", "h2", "h3", "h4"}) {
    auto reply = put_hook(name);
    ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    EXPECT_TRUE(reply.created());
    EXPECT_TRUE(reply.hook().spec().secret().empty());
  }
  auto holders = [&](const pb::RopeUpdate& u) {
    std::map<uint64_t, int> out;
    for (const auto& h : u.hooks()) ++out[h.state().notifier_id()];
    return out;
  };
  EXPECT_EQ(holders(b.updates->back()), (std::map<uint64_t, int>{{*a.id, 2}, {*b.id, 2}}));
  EXPECT_FALSE(b.updates->back().hooks(0).spec().secret().empty());  // notifiers sign with it

  // a delivered h-something up to "cur": b resumes from there later.
  std::string held_by_a;
  for (const auto& h : b.updates->back().hooks())
    if (h.state().notifier_id() == *a.id) held_by_a = h.spec().name();
  pb::NotifierHeartbeat hb;
  hb.set_notifier_id(*a.id);
  auto* rep = hb.add_hooks();
  rep->set_name(held_by_a);
  rep->mutable_state()->set_cursor("cur");
  rep->mutable_state()->set_delivered(3);
  EXPECT_EQ(ask<pb::Status>(hb).error_code(), 0u);

  sched_->advance_time(2s);
  sched_->run();
  EXPECT_EQ(notifier_beat(*b.id).error_code(), 0u);
  size_t before = b.updates->size();
  sched_->advance_time(1s);  // a: 3 s silent
  sched_->run();
  ASSERT_EQ(b.updates->size(), before + 1);
  const pb::RopeUpdate& moved = b.updates->back();
  ASSERT_EQ(moved.notifiers_size(), 1);
  EXPECT_EQ(moved.notifiers(0).id(), *b.id);
  EXPECT_EQ(holders(moved), (std::map<uint64_t, int>{{*b.id, 4}}));
  for (const auto& h : moved.hooks())
    if (h.spec().name() == held_by_a) {
      EXPECT_EQ(h.state().cursor(), "cur");
    }
  EXPECT_EQ(notifier_beat(*a.id).error_code(), static_cast<uint32_t>(errc::not_found));

  // Listing and reading go through the actor; the state shows the holder.
  auto list = ask<pb::HooksReply>(hooks_atom_v);
  ASSERT_EQ(list.hooks_size(), 4);
  for (const auto& h : list.hooks()) {
    EXPECT_EQ(h.state().notifier_id(), *b.id);
    EXPECT_TRUE(h.spec().secret().empty());
  }
  auto one = ask<pb::HookReply>(hooks_atom_v, std::string(held_by_a));
  EXPECT_EQ(one.hook().state().delivered(), 3u);
  EXPECT_EQ(ask<pb::HookReply>(hooks_atom_v, drop_atom_v, std::string("h1")).status().error_code(), 0u);
  EXPECT_EQ(ask<pb::HookReply>(hooks_atom_v, drop_atom_v, std::string("h1")).status().error_code(),
            static_cast<uint32_t>(errc::not_found));
  EXPECT_EQ(ask<pb::HookReply>(hooks_atom_v, std::string("h1")).status().error_code(),
            static_cast<uint32_t>(errc::not_found));
  EXPECT_EQ(b.updates->back().hooks_size(), 3);
}

TEST_F(placement_actor_test, a_notifier_whose_handle_goes_down_is_dropped_at_once) {
  create_users_table();
  auto a = register_notifier("127.0.0.1:8100");
  auto b = register_notifier("127.0.0.1:8200");
  ASSERT_EQ(put_hook("h1").status().error_code(), 0u);
  ASSERT_EQ(put_hook("h2").status().error_code(), 0u);
  caf::anon_send_exit(a.handle, caf::exit_reason::user_shutdown);
  sched_->run();
  const pb::RopeUpdate& u = b.updates->back();
  ASSERT_EQ(u.notifiers_size(), 1);
  EXPECT_EQ(u.notifiers(0).id(), *b.id);
  for (const auto& h : u.hooks()) EXPECT_EQ(h.state().notifier_id(), *b.id);
  // Re-registering keeps the id.
  auto again = register_notifier("127.0.0.1:8101", *a.id);
  EXPECT_EQ(*again.id, *a.id);
}

}  // namespace
}  // namespace ropekv::placement_service

namespace ropekv::placement_service {
namespace {

// A drain arrives as a message, reaches subscribers as a node flag, and the
// next tick orders the drained node's replicas elsewhere (kind "drain").
TEST_F(placement_actor_test, a_drain_request_flags_the_node_and_the_next_tick_moves_replicas_off) {
  std::vector<std::shared_ptr<owner_log>> logs;
  std::vector<uint64_t> ids;
  for (auto rack : {"r1", "r2", "r3", "r4"}) {
    auto [h, log] = fake_owner();
    ids.push_back(register_owner(rack, h));
    logs.push_back(log);
  }
  auto [sub, updates] = subscriber();
  ask<pb::RopeUpdate>(subscribe_atom_v, sub);
  pb::CreateTableRequest create;
  create.mutable_schema()->set_name("users");
  create.mutable_schema()->set_hash_key("pk");
  create.mutable_schema()->set_replication(3);
  ASSERT_EQ(ask<pb::TableReply>(create).status().error_code(), 0u);
  sched_->advance_time(1s);  // the first tick: nothing to repair
  sched_->run();
  ASSERT_EQ(ask<pb::ClusterReply>(cluster_atom_v).moves_size(), 0);
  auto assigned = [&] {
    size_t n = 0;
    for (size_t i = 1; i < logs.size(); ++i) n += logs[i]->assignments.size();
    return n;
  };
  size_t before = assigned();

  pb::DrainNodeRequest drain;
  drain.set_node_id(ids[0]);
  drain.set_draining(true);
  auto reply = ask<pb::DrainNodeReply>(drain);
  ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
  EXPECT_TRUE(reply.node().draining());
  EXPECT_EQ(reply.node().replicas(), 3u);  // 4 segments x 3 replicas on 4 nodes
  sched_->run();
  ASSERT_FALSE(updates->empty());
  bool flagged = false;
  for (const auto& n : updates->back().nodes()) flagged = flagged || (n.id() == ids[0] && n.draining());
  EXPECT_TRUE(flagged);

  sched_->advance_time(1s);
  sched_->run();
  EXPECT_GT(assigned(), before);
  auto cluster = ask<pb::ClusterReply>(cluster_atom_v);
  ASSERT_GT(cluster.moves_size(), 0);
  for (const auto& m : cluster.moves()) {
    EXPECT_EQ(m.kind(), "drain");
    EXPECT_EQ(m.from_node(), ids[0]);
    EXPECT_EQ(m.state(), "ordered");
  }
  drain.set_node_id(4242);
  EXPECT_EQ(ask<pb::DrainNodeReply>(drain).status().error_code(), static_cast<uint32_t>(errc::not_found));
}

}  // namespace
}  // namespace ropekv::placement_service
