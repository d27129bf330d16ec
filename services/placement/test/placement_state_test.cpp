#include "placement_state.hpp"
#include "ropekv/placement/layout.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <set>

#include "rope_layout.hpp"
#include "ropekv/catalog/catalog_db.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

uint32_t code(errc c) { return static_cast<uint32_t>(c); }

pb::RegisterNode node_request(const std::string& rack, uint64_t id = 0) {
  pb::RegisterNode req;
  auto* n = req.mutable_node();
  n->set_id(id);
  n->set_address("127.0.0.1:" + std::to_string(7000 + rack.size() * 10 + rack.back()));
  n->mutable_labels()->set_dc("dc1");
  n->mutable_labels()->set_rack(rack);
  n->mutable_labels()->set_host("host-" + rack);
  n->set_capacity_bytes(1ull << 30);
  return req;
}

pb::CreateTableRequest table_request(const std::string& name, uint32_t replication = 3) {
  pb::CreateTableRequest req;
  req.mutable_schema()->set_name(name);
  req.mutable_schema()->set_hash_key("pk");
  req.mutable_schema()->set_replication(replication);
  return req;
}

bool contains(const std::vector<node_id>& v, uint64_t id) {
  return std::find(v.begin(), v.end(), node_id{id}) != v.end();
}

class placement_state_test : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    opt_.segments_per_table = 6;
    opt_.max_moves_per_node = 100;
    open();
  }

  void open() {
    state_.reset();
    auto st = placement_state::open(dir_.file("placement.db"), opt_, now_);
    ASSERT_TRUE(st) << st.error().message;
    state_ = std::move(*st);
  }

  uint64_t add_node(const std::string& rack) {
    auto reply = state_->register_node(node_request(rack), now_);
    EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    return reply.node_id();
  }

  pb::TableSchema create(const std::string& name, uint32_t replication = 3) {
    auto reply = state_->create_table(table_request(name, replication));
    EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    return reply.schema();
  }

  // Every node heartbeats (no reports) so none goes down while time moves.
  void beat_all(std::set<uint64_t> except = {}) {
    for (const auto& [id, n] : state_->nodes()) {
      if (except.count(id)) continue;
      pb::Heartbeat hb;
      hb.set_node_id(id);
      EXPECT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
    }
  }

  test_support::temp_dir dir_;
  placement_options opt_;
  time_point now_ = time_point{} + 1h;
  std::unique_ptr<placement_state> state_;
};

TEST_F(placement_state_test, register_assigns_ids_that_survive_re_registration) {
  uint64_t a = add_node("r1");
  uint64_t b = add_node("r2");
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  auto again = node_request("r1", a);
  again.mutable_node()->set_address("127.0.0.1:9999");  // restarted on a new port
  auto reply = state_->register_node(again, now_);
  EXPECT_EQ(reply.status().error_code(), 0u);
  EXPECT_EQ(reply.node_id(), a);
  EXPECT_EQ(state_->nodes().at(a).desc.address(), "127.0.0.1:9999");
  EXPECT_EQ(state_->nodes().size(), 2u);
  EXPECT_EQ(state_->register_node(node_request("r9", 77), now_).status().error_code(),
            code(errc::not_found));
  auto no_address = node_request("r3");
  no_address.mutable_node()->clear_address();
  EXPECT_EQ(state_->register_node(no_address, now_).status().error_code(),
            code(errc::invalid_argument));
}

TEST_F(placement_state_test, table_schemas_are_validated) {
  add_node("r1");
  EXPECT_EQ(state_->create_table(table_request("ab")).status().error_code(),
            code(errc::invalid_argument));
  EXPECT_EQ(state_->create_table(table_request("has space")).status().error_code(),
            code(errc::invalid_argument));
  EXPECT_EQ(state_->create_table(table_request(std::string(256, 'x'))).status().error_code(),
            code(errc::invalid_argument));
  EXPECT_EQ(state_->create_table(table_request("users", 2)).status().error_code(),
            code(errc::invalid_argument));
  auto no_key = table_request("users");
  no_key.mutable_schema()->clear_hash_key();
  EXPECT_EQ(state_->create_table(no_key).status().error_code(), code(errc::invalid_argument));
  auto defaulted = table_request("Users_v1.2-x", 0);
  auto reply = state_->create_table(defaulted);
  ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
  EXPECT_EQ(reply.schema().replication(), 3u);
  EXPECT_NE(reply.schema().id(), 0u);
  EXPECT_EQ(state_->create_table(defaulted).status().error_code(), code(errc::already_exists));
}

TEST_F(placement_state_test, a_table_starts_with_the_segments_it_asks_for) {
  add_node("r1");
  add_node("r2");
  add_node("r3");
  // Default: the service's segments_per_table (6 here), recorded in the schema.
  auto standard = create("standard");
  EXPECT_EQ(standard.initial_segments(), 6u);
  EXPECT_EQ(table_segments(state_->current(), standard.id()).size(), 6u);
  for (uint32_t n : {1u, 4u, 16u}) {
    auto req = table_request("sized" + std::to_string(n));
    req.mutable_schema()->set_initial_segments(n);
    auto reply = state_->create_table(req);
    ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    EXPECT_EQ(reply.schema().initial_segments(), n);
    EXPECT_EQ(table_segments(state_->current(), reply.schema().id()).size(), n);
  }
  auto huge = table_request("huge");
  huge.mutable_schema()->set_initial_segments(placement::max_initial_segments + 1);
  EXPECT_EQ(state_->create_table(huge).status().error_code(), code(errc::invalid_argument));
}

TEST_F(placement_state_test, a_table_needs_an_alive_owner) {
  EXPECT_EQ(state_->create_table(table_request("users")).status().error_code(),
            code(errc::unavailable));
  EXPECT_EQ(state_->list_tables().tables_size(), 0);
}

TEST_F(placement_state_test, tables_are_listed_read_and_dropped) {
  for (auto rack : {"r1", "r2", "r3"}) add_node(rack);
  auto users = create("users");
  auto orders = create("orders");
  (void)state_->take_effects();
  auto list = state_->list_tables();
  ASSERT_EQ(list.tables_size(), 2);
  EXPECT_EQ(list.tables(0).name(), "orders");
  EXPECT_EQ(state_->get_table("users").schema().id(), users.id());
  EXPECT_EQ(state_->get_table("nope").status().error_code(), code(errc::not_found));

  auto users_segments = table_segments(state_->current(), users.id());
  auto dropped = state_->drop_table("users");
  ASSERT_EQ(dropped.status().error_code(), 0u);
  EXPECT_EQ(dropped.schema().name(), "users");
  EXPECT_EQ(state_->get_table("users").status().error_code(), code(errc::not_found));
  EXPECT_EQ(state_->drop_table("users").status().error_code(), code(errc::not_found));
  EXPECT_TRUE(table_segments(state_->current(), users.id()).empty());
  EXPECT_FALSE(table_segments(state_->current(), orders.id()).empty());

  // Every replica of every dropped segment is told to go.
  auto fx = state_->take_effects();
  std::set<std::pair<uint64_t, uint64_t>> drops;
  for (const auto& [node, d] : fx.drops) drops.insert({node.value, d.segment_id()});
  size_t expected = 0;
  for (const auto& s : users_segments) {
    for (node_id r : s.replicas) EXPECT_TRUE(drops.count({r.value, s.id.value}));
    expected += s.replicas.size();
  }
  EXPECT_EQ(drops.size(), expected);
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->tables_size(), 1);
}

TEST_F(placement_state_test, initial_layout_covers_the_table_and_assigns_every_replica) {
  std::vector<uint64_t> ids;
  for (auto rack : {"r1", "r2", "r3"}) ids.push_back(add_node(rack));
  (void)state_->take_effects();
  rope::rope before = state_->current();
  auto schema = create("users");

  auto segs = table_segments(state_->current(), schema.id());
  ASSERT_EQ(segs.size(), 6u);
  EXPECT_EQ(segs.front().start, keys::table_prefix(schema.id()));
  EXPECT_EQ(segs.back().end, keys::table_prefix(schema.id() + 1));
  for (size_t i = 0; i + 1 < segs.size(); ++i) EXPECT_EQ(segs[i].end, segs[i + 1].start);
  for (const auto& s : segs) {
    EXPECT_EQ(s.replicas.size(), 3u);
    EXPECT_EQ(s.leader_hint, s.replicas.front());
  }
  EXPECT_EQ(state_->current().version(), before.version() + 1);

  auto fx = state_->take_effects();
  std::map<uint64_t, size_t> per_node;
  for (const auto& [node, a] : fx.assignments) {
    ++per_node[node.value];
    EXPECT_TRUE(a.bootstrap());
    EXPECT_EQ(a.peers_size(), 3);
    EXPECT_TRUE(contains(rope::from_proto(a.segment()).replicas, node.value));
    for (const auto& p : a.peers()) EXPECT_FALSE(p.address().empty());
  }
  for (uint64_t id : ids) EXPECT_EQ(per_node[id], segs.size());

  // The pushed delta turns the subscribers' previous version into this one.
  ASSERT_TRUE(fx.update);
  auto applied = rope::apply(before, rope::from_proto(fx.update->delta()));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(applied->segments(), state_->current().segments());
  EXPECT_EQ(fx.update->tables_size(), 1);
  EXPECT_EQ(fx.update->nodes_size(), 3);
}

TEST_F(placement_state_test, too_few_domains_places_fewer_replicas_and_repairs_later) {
  add_node("r1");
  add_node("r2");
  auto schema = create("users");
  for (const auto& s : table_segments(state_->current(), schema.id())) EXPECT_EQ(s.replicas.size(), 2u);
  auto cluster = state_->cluster();
  ASSERT_EQ(cluster.unhealthy_size(), 6);
  EXPECT_TRUE(cluster.unhealthy(0).under_protected());
  EXPECT_EQ(cluster.unhealthy(0).replication(), 3u);
  (void)state_->take_effects();

  uint64_t third = add_node("r3");
  state_->tick(now_);
  EXPECT_EQ(state_->moves().size(), 6u);
  auto fx = state_->take_effects();
  size_t to_third = 0;
  for (const auto& [node, a] : fx.assignments) {
    EXPECT_FALSE(a.bootstrap());
    EXPECT_EQ(a.segment().replicas_size(), 3);
    if (node.value == third) ++to_third;
  }
  EXPECT_EQ(to_third, 6u);
  EXPECT_EQ(state_->cluster().moves_in_flight(), 6u);
}

TEST_F(placement_state_test, heartbeats_move_leader_hints_and_drop_strangers) {
  for (auto rack : {"r1", "r2", "r3"}) add_node(rack);
  auto schema = create("users");
  (void)state_->take_effects();
  rope::segment seg = table_segments(state_->current(), schema.id()).front();
  node_id other = seg.replicas[1];
  uint64_t version = state_->current().version();

  pb::Heartbeat hb;
  hb.set_node_id(other.value);
  auto* rep = hb.add_segments();
  rep->set_segment_id(seg.id.value);
  rep->set_epoch(seg.epoch);
  rep->set_is_leader(true);
  hb.add_segments()->set_segment_id(999999);  // no such segment
  EXPECT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  EXPECT_EQ(state_->current().find(seg.id)->leader_hint, other);
  EXPECT_EQ(state_->current().version(), version + 1);
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->delta().upserted_segments_size(), 1);
  EXPECT_EQ(fx.update->delta().upserted_segments(0).leader_hint(), other.value);
  ASSERT_EQ(fx.drops.size(), 1u);
  EXPECT_EQ(fx.drops[0].second.segment_id(), 999999u);

  // The same report again changes nothing.
  hb.mutable_segments()->RemoveLast();
  EXPECT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  EXPECT_EQ(state_->current().version(), version + 1);

  pb::Heartbeat stranger;
  stranger.set_node_id(12345);
  EXPECT_EQ(state_->heartbeat(stranger, now_).error_code(), code(errc::not_found));
}

TEST_F(placement_state_test, stats_are_coalesced_into_one_version_per_interval) {
  for (auto rack : {"r1", "r2", "r3"}) add_node(rack);
  auto schema = create("users");
  auto segs = table_segments(state_->current(), schema.id());
  uint64_t version = state_->current().version();
  for (int round = 0; round < 3; ++round) {
    for (const auto& s : segs) {
      pb::Heartbeat hb;
      hb.set_node_id(s.leader_hint.value);
      auto* rep = hb.add_segments();
      rep->set_segment_id(s.id.value);
      rep->set_epoch(s.epoch);
      rep->set_is_leader(true);
      rep->mutable_stats()->set_bytes((10u + round) << 20);
      rep->mutable_stats()->set_items(1000);
      ASSERT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
    }
  }
  EXPECT_EQ(state_->current().version(), version);  // nothing yet
  now_ += opt_.stats_interval;
  beat_all();
  state_->tick(now_);
  EXPECT_EQ(state_->current().version(), version + 1);  // all of it, once
  for (const auto& s : table_segments(state_->current(), schema.id()))
    EXPECT_EQ(s.stats.bytes, 12u << 20);
}

TEST_F(placement_state_test, a_node_down_longer_than_down_after_is_repaired_around) {
  for (auto rack : {"r1", "r2", "r3", "r4"}) add_node(rack);
  auto schema = create("users");
  (void)state_->take_effects();
  uint64_t victim = table_segments(state_->current(), schema.id()).front().replicas.front().value;
  std::vector<rope::segment> affected;
  for (const auto& s : table_segments(state_->current(), schema.id()))
    if (contains(s.replicas, victim)) affected.push_back(s);
  ASSERT_FALSE(affected.empty());

  now_ += opt_.down_after - 1ms;
  beat_all({victim});
  state_->tick(now_);
  EXPECT_TRUE(state_->nodes().at(victim).alive);
  EXPECT_TRUE(state_->moves().empty());

  now_ += 1ms;
  state_->tick(now_);
  EXPECT_FALSE(state_->nodes().at(victim).alive);
  ASSERT_EQ(state_->moves().size(), affected.size());
  auto cluster = state_->cluster();
  EXPECT_EQ(cluster.moves_in_flight(), affected.size());
  EXPECT_EQ(cluster.alive_nodes_size(), 3);
  auto fx = state_->take_effects();
  for (const auto& s : affected) {
    const move_in_flight& m = state_->moves().at(s.id.value);
    ASSERT_TRUE(m.plan.from && m.plan.to);
    EXPECT_EQ(m.plan.from->value, victim);
    EXPECT_FALSE(contains(s.replicas, m.plan.to->value));
    EXPECT_FALSE(contains(m.target, victim));
    EXPECT_EQ(m.target_epoch, s.epoch + 1);
    // The new node and every alive member are told; the dead one is not.
    std::set<uint64_t> told;
    for (const auto& [node, a] : fx.assignments)
      if (a.segment().id() == s.id.value) told.insert(node.value);
    EXPECT_TRUE(told.count(m.plan.to->value));
    EXPECT_FALSE(told.count(victim));
    EXPECT_EQ(told.size(), 3u);
  }
  // Nothing moves in the rope until the new replica reports the new epoch.
  EXPECT_EQ(table_segments(state_->current(), schema.id()).front().replicas,
            affected.front().replicas);

  const rope::segment& s = affected.front();
  const move_in_flight m = state_->moves().at(s.id.value);
  pb::Heartbeat hb;
  hb.set_node_id(m.plan.to->value);
  auto* rep = hb.add_segments();
  rep->set_segment_id(s.id.value);
  rep->set_epoch(m.target_epoch);
  ASSERT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  const rope::segment* done = state_->current().find(s.id);
  EXPECT_EQ(done->replicas, m.target);
  EXPECT_EQ(done->epoch, m.target_epoch);
  EXPECT_EQ(state_->moves().size(), affected.size() - 1);
  fx = state_->take_effects();
  ASSERT_EQ(fx.drops.size(), 1u);
  EXPECT_EQ(fx.drops[0].first.value, victim);
  EXPECT_EQ(fx.drops[0].second.segment_id(), s.id.value);
}

TEST_F(placement_state_test, restart_from_the_catalog_keeps_nodes_tables_and_rope) {
  std::vector<uint64_t> ids;
  for (auto rack : {"r1", "r2", "r3"}) ids.push_back(add_node(rack));
  auto schema = create("users");
  create("orders", 1);
  rope::segment seg = table_segments(state_->current(), schema.id()).front();
  pb::Heartbeat hb;
  hb.set_node_id(seg.replicas[2].value);
  auto* rep = hb.add_segments();
  rep->set_segment_id(seg.id.value);
  rep->set_is_leader(true);
  ASSERT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  auto cluster = state_->cluster();
  auto tables = state_->list_tables();
  auto full = state_->full_update();

  open();
  EXPECT_EQ(state_->cluster().SerializeAsString(), cluster.SerializeAsString());
  EXPECT_EQ(state_->list_tables().SerializeAsString(), tables.SerializeAsString());
  EXPECT_EQ(state_->full_update().SerializeAsString(), full.SerializeAsString());
  EXPECT_EQ(state_->current().find(seg.id)->leader_hint, seg.replicas[2]);
  // Same ids on re-registration, fresh ones after the old.
  EXPECT_EQ(state_->register_node(node_request("r1", ids[0]), now_).node_id(), ids[0]);
  EXPECT_GT(add_node("r4"), ids[2]);
  auto again = state_->create_table(table_request("users"));
  EXPECT_EQ(again.status().error_code(), code(errc::already_exists));
}

TEST_F(placement_state_test, a_table_left_without_segments_by_a_crash_is_dropped_on_open) {
  state_.reset();
  {
    auto db = catalog::catalog_db::open(dir_.file("placement.db"));
    ASSERT_TRUE(db);
    pb::TableSchema half;
    half.set_name("half_created");
    half.set_hash_key("pk");
    half.set_replication(3);
    ASSERT_TRUE((*db)->create_table(half));
  }
  open();
  EXPECT_EQ(state_->get_table("half_created").status().error_code(), code(errc::not_found));
  state_.reset();
  auto db = catalog::catalog_db::open(dir_.file("placement.db"));
  ASSERT_TRUE(db);
  EXPECT_FALSE((*db)->table("half_created"));
}

// Splits placement referees: checked against the rope, halves named up
// front; the rope follows the leader's ok, or -- when that answer was lost
// -- the first report of a half, and no half is ever told to drop.
TEST_F(placement_state_test, splits_are_checked_and_the_rope_follows_the_answer_or_the_reports) {
  for (auto r : {"r1", "r2", "r3"}) add_node(r);
  auto t = create("splits");
  state_->take_effects();
  const rope::segment* seg = nullptr;
  state_->current().for_each([&](const rope::segment& s) {
    if (!seg && !is_gap(s) && s.start.rfind(keys::table_prefix(t.id()), 0) == 0) seg = &s;
  });
  ASSERT_NE(seg, nullptr);
  rope::segment parent = *seg;
  std::string inside = parent.start + std::string("\x10", 1);

  pb::SplitSegmentRequest req;
  req.set_segment_id(parent.id.value);
  req.set_at_key(parent.start);  // not strictly inside
  EXPECT_EQ(state_->plan_split(req, now_).error().code, errc::invalid_argument);
  req.set_at_key(inside);
  req.set_epoch(parent.epoch + 7);
  EXPECT_EQ(state_->plan_split(req, now_).error().code, errc::condition_failed);
  req.set_epoch(0);
  pb::SplitSegmentRequest missing = req;
  missing.set_segment_id(999999);
  EXPECT_EQ(state_->plan_split(missing, now_).error().code, errc::not_found);

  auto plan = state_->plan_split(req, now_);
  ASSERT_TRUE(plan) << plan.error().message;
  const pb::SplitRequest& order = plan->second;
  EXPECT_EQ(order.new_epoch(), parent.epoch + 1);
  EXPECT_EQ(order.routing().segment_id(), parent.id.value);
  EXPECT_EQ(state_->plan_split(req, now_).error().code, errc::unavailable);  // one at a time

  // The leader's answer was lost; a half's report shows the split applied.
  pb::AdminReply lost;
  lost.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
  EXPECT_NE(state_->split_answered(order, lost).status().error_code(), 0u);
  EXPECT_EQ(state_->current().find(segment_id{order.left_segment_id()}), nullptr);
  pb::Heartbeat hb;
  hb.set_node_id(parent.replicas.front().value);
  auto* rep = hb.add_segments();
  rep->set_segment_id(order.right_segment_id());
  rep->set_epoch(order.new_epoch());
  auto* stale = hb.add_segments();  // a replica not split yet still names the parent
  stale->set_segment_id(parent.id.value);
  stale->set_epoch(parent.epoch);
  EXPECT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  const auto* left = state_->current().find(segment_id{order.left_segment_id()});
  const auto* right = state_->current().find(segment_id{order.right_segment_id()});
  ASSERT_NE(left, nullptr);
  ASSERT_NE(right, nullptr);
  EXPECT_EQ(left->end, inside);
  EXPECT_EQ(right->start, inside);
  EXPECT_EQ(right->epoch, order.new_epoch());
  EXPECT_EQ(state_->current().find(parent.id), nullptr);
  EXPECT_TRUE(state_->take_effects().drops.empty()) << "a half or the splitting parent was told to drop";
  EXPECT_TRUE(state_->splits().empty());

  // A second split, answered ok by the leader.
  pb::SplitSegmentRequest again;
  again.set_segment_id(right->id.value);
  again.set_at_key(inside + "\x20");
  auto plan2 = state_->plan_split(again, now_);
  ASSERT_TRUE(plan2) << plan2.error().message;
  auto reply = state_->split_answered(plan2->second, pb::AdminReply{});
  ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
  EXPECT_EQ(reply.left().id(), plan2->second.left_segment_id());
  EXPECT_EQ(reply.right().start_key(), inside + "\x20");
  // not_leader forgets a split (nothing was proposed).
  pb::SplitSegmentRequest third;
  third.set_segment_id(reply.right().id());
  third.set_at_key(inside + "\x30");
  auto plan3 = state_->plan_split(third, now_);
  ASSERT_TRUE(plan3);
  pb::AdminReply not_leader;
  not_leader.mutable_status()->set_error_code(static_cast<uint32_t>(errc::not_leader));
  EXPECT_EQ(state_->split_answered(plan3->second, not_leader).status().error_code(), code(errc::not_leader));
  EXPECT_TRUE(state_->splits().empty());
}

}  // namespace
}  // namespace ropekv::placement_service
