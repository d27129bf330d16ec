// placement_state's agency beyond repair, driven with controlled time:
// balance rounds after joins, drains, under-replication and the leader
// spread. Moves complete the way owners complete them: a target replica
// reports the segment at the move's target epoch in a heartbeat.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

pb::RegisterNode node_request(const std::string& rack) {
  pb::RegisterNode req;
  auto* n = req.mutable_node();
  n->set_address("127.0.0.1:" + std::to_string(7000 + rack.back()));
  n->mutable_labels()->set_dc("dc1");
  n->mutable_labels()->set_rack(rack);
  n->mutable_labels()->set_host("host-" + rack);
  return req;
}

pb::CreateTableRequest table_request(const std::string& name, uint32_t replication, bool strict = false) {
  pb::CreateTableRequest req;
  req.mutable_schema()->set_name(name);
  req.mutable_schema()->set_hash_key("pk");
  req.mutable_schema()->set_replication(replication);
  req.set_strict(strict);
  return req;
}

class placement_balance_test : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    opt_.segments_per_table = 6;
    opt_.max_moves_per_node = 2;
    opt_.balance_interval = 1s;
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

  // One step of the cluster: every node not in silent_ heartbeats; the targets of moves in
  // flight report them done; placement ticks. Returns the effects.
  effects step() {
    now_ += 1s;
    std::map<uint64_t, pb::Heartbeat> beats;
    for (const auto& [id, n] : state_->nodes())
      if (!silent_.count(id)) beats[id].set_node_id(id);
    for (const auto& [seg, m] : state_->moves()) {
      uint64_t reporter = m.plan.to ? m.plan.to->value : m.target.front().value;
      if (silent_.count(reporter)) continue;  // a silent node reports nothing
      auto* rep = beats[reporter].add_segments();
      rep->set_segment_id(seg);
      rep->set_epoch(m.target_epoch);
    }
    for (auto& [id, hb] : beats) EXPECT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
    state_->tick(now_);
    // The throttle: no node is in more moves than max_moves_per_node.
    std::map<uint64_t, uint32_t> busy;
    for (const auto& [seg, m] : state_->moves()) {
      if (m.plan.from) ++busy[m.plan.from->value];
      if (m.plan.to) ++busy[m.plan.to->value];
    }
    for (auto [node, n] : busy) EXPECT_LE(n, opt_.max_moves_per_node) << "node " << node;
    return state_->take_effects();
  }

  // Steps until no move is in flight and a balance round had its chance.
  int settle(int max_steps = 200) {
    int steps = 0;
    for (int quiet = 0; steps < max_steps && quiet < 3; ++steps) {
      step();
      quiet = state_->moves().empty() ? quiet + 1 : 0;
    }
    return steps;
  }

  std::map<uint64_t, uint32_t> replicas_per_node() const {
    std::map<uint64_t, uint32_t> out;
    for (const auto& [id, n] : state_->nodes()) out[id] = 0;
    state_->current().for_each([&](const rope::segment& s) {
      for (node_id r : s.replicas) ++out[r.value];
    });
    return out;
  }

  // No segment has two replicas in one rack (the default rule).
  void expect_racks_distinct() const {
    state_->current().for_each([&](const rope::segment& s) {
      std::set<std::string> racks;
      for (node_id r : s.replicas)
        EXPECT_TRUE(racks.insert(state_->nodes().at(r.value).desc.labels().rack()).second)
            << "segment " << s.id.value;
    });
  }

  uint64_t decision(const std::string& name) const {
    auto it = state_->decisions().find(name);
    return it == state_->decisions().end() ? 0 : it->second;
  }

  test_support::temp_dir dir_;
  std::set<uint64_t> silent_;  // nodes that do not heartbeat in step()
  placement_options opt_;
  time_point now_ = time_point{} + 1h;
  std::unique_ptr<placement_state> state_;
};

TEST_F(placement_balance_test, joining_nodes_receive_replicas_until_every_node_is_in_band) {
  for (auto r : {"r1", "r2", "r3"}) add_node(r);
  ASSERT_EQ(state_->create_table(table_request("events", 3)).status().error_code(), 0u);
  settle();
  EXPECT_EQ(decision("moves_started_balance") + decision("moves_started_join"), 0u);
  uint64_t d = add_node("r4");
  uint64_t e = add_node("r5");
  int steps = settle();
  EXPECT_LT(steps, 200);
  auto counts = replicas_per_node();
  // 18 replicas on 5 nodes: 3.6 each, band [3, 4].
  for (auto [node, n] : counts) {
    EXPECT_GE(n, 3u) << "node " << node;
    EXPECT_LE(n, 4u) << "node " << node;
  }
  EXPECT_GE(counts[d], 3u);
  EXPECT_GE(counts[e], 3u);
  EXPECT_GT(decision("moves_started_join"), 0u);
  EXPECT_EQ(decision("moves_done_join") + decision("moves_done_balance"),
            decision("moves_started_join") + decision("moves_started_balance"));
  expect_racks_distinct();
  auto c = state_->cluster();
  EXPECT_TRUE(c.balanced());
  ASSERT_EQ(c.node_loads_size(), 5);
  for (const auto& l : c.node_loads()) EXPECT_TRUE(l.within_band()) << "node " << l.node_id();
  EXPECT_EQ(c.decisions().at("moves_started_join"), decision("moves_started_join"));
}

TEST_F(placement_balance_test, balance_rounds_are_at_least_balance_interval_apart) {
  opt_.balance_interval = 1h;
  open();
  for (auto r : {"r1", "r2", "r3"}) add_node(r);
  ASSERT_EQ(state_->create_table(table_request("events", 3)).status().error_code(), 0u);
  settle();  // the first round runs at once
  add_node("r4");
  settle(20);
  EXPECT_EQ(decision("moves_started_join"), 0u);  // the next round is an hour away
}

TEST_F(placement_balance_test, no_balance_round_runs_while_a_node_is_silent) {
  for (auto r : {"r1", "r2", "r3"}) add_node(r);
  ASSERT_EQ(state_->create_table(table_request("events", 3)).status().error_code(), 0u);
  settle();
  uint64_t d = add_node("r4");
  silent_.insert(d);  // e.g. killed right after registering: alive until down_after (30 s)
  now_ += 5s;         // ... and silent for longer than suspect_after (3 s) before the next tick
  for (int i = 0; i < 10; ++i) step();
  EXPECT_EQ(decision("moves_started_join") + decision("moves_started_balance"), 0u);
  EXPECT_EQ(decision("leader_transfers"), 0u);
  silent_.clear();  // back: balancing resumes
  settle();
  EXPECT_GT(decision("moves_started_join"), 0u);
  EXPECT_GE(replicas_per_node()[d], 4u);  // 18 replicas on 4 nodes, band [4, 5]
}

TEST_F(placement_balance_test, a_drain_moves_every_replica_off_and_survives_a_restart) {
  uint64_t a = add_node("r1");
  for (auto r : {"r2", "r3", "r4"}) add_node(r);
  ASSERT_EQ(state_->create_table(table_request("events", 3)).status().error_code(), 0u);
  settle();
  ASSERT_GT(replicas_per_node()[a], 0u);
  pb::DrainNodeRequest drain;
  drain.set_node_id(a);
  drain.set_draining(true);
  auto reply = state_->drain_node(drain);
  ASSERT_EQ(reply.status().error_code(), 0u);
  EXPECT_TRUE(reply.node().draining());
  EXPECT_GT(reply.node().replicas(), 0u);
  // Persisted: a placement restart keeps the drain going.
  open();
  ASSERT_TRUE(state_->nodes().at(a).desc.draining());
  // An owner re-registering does not clear it either.
  auto again = node_request("r1");
  again.mutable_node()->set_id(a);
  ASSERT_EQ(state_->register_node(again, now_).status().error_code(), 0u);
  ASSERT_TRUE(state_->nodes().at(a).desc.draining());
  settle();
  EXPECT_EQ(replicas_per_node()[a], 0u);
  EXPECT_GT(decision("moves_started_drain"), 0u);
  EXPECT_EQ(decision("drains_done"), 1u);
  expect_racks_distinct();
  auto c = state_->cluster();
  for (const auto& l : c.node_loads()) {
    if (l.node_id() == a) {
      EXPECT_TRUE(l.draining());
      EXPECT_EQ(l.replicas(), 0u);
      EXPECT_EQ(l.fair_replicas(), 0.0);
    }
  }
  drain.set_draining(false);
  EXPECT_FALSE(state_->drain_node(drain).node().draining());
  EXPECT_FALSE(state_->nodes().at(a).desc.draining());
  drain.set_node_id(999);
  EXPECT_EQ(state_->drain_node(drain).status().error_code(), static_cast<uint32_t>(errc::not_found));
}

TEST_F(placement_balance_test, under_replication_is_reported_refused_when_strict_and_fixed_by_joins) {
  for (auto r : {"r1", "r2", "r3"}) add_node(r);
  auto strict = state_->create_table(table_request("strict5", 5, /*strict=*/true));
  EXPECT_EQ(strict.status().error_code(), static_cast<uint32_t>(errc::conflict));
  EXPECT_EQ(strict.status().message().rfind("under_replicated: ", 0), 0u) << strict.status().message();
  EXPECT_EQ(state_->get_table("strict5").status().error_code(), static_cast<uint32_t>(errc::not_found));
  auto created = state_->create_table(table_request("wide", 5));
  ASSERT_EQ(created.status().error_code(), 0u);
  EXPECT_EQ(created.replicas_short(), 2u);
  EXPECT_EQ(created.segments_under_replicated(), 6u);
  auto c = state_->cluster();
  ASSERT_EQ(c.unhealthy_size(), 6);
  for (const auto& h : c.unhealthy()) {
    EXPECT_TRUE(h.under_replicated());
    EXPECT_EQ(h.replicas_short(), 2u);
  }
  add_node("r4");
  settle();
  EXPECT_EQ(state_->get_table("wide").replicas_short(), 1u);
  add_node("r5");
  settle();
  auto fixed = state_->get_table("wide");
  EXPECT_EQ(fixed.replicas_short(), 0u);
  EXPECT_EQ(fixed.segments_under_replicated(), 0u);
  EXPECT_EQ(state_->cluster().unhealthy_size(), 0);
  expect_racks_distinct();
  // Strict now succeeds: five racks can take five replicas.
  EXPECT_EQ(state_->create_table(table_request("strict5", 5, true)).status().error_code(), 0u);
}

TEST_F(placement_balance_test, leaders_spread_by_transfers_to_replicas) {
  uint64_t a = add_node("r1");
  uint64_t b = add_node("r2");
  add_node("r3");
  ASSERT_EQ(state_->create_table(table_request("events", 3)).status().error_code(), 0u);
  settle();
  auto lead_all = [&](uint64_t node) {
    pb::Heartbeat hb;
    hb.set_node_id(node);
    state_->current().for_each([&](const rope::segment& s) {
      if (is_gap(s)) return;
      auto* rep = hb.add_segments();
      rep->set_segment_id(s.id.value);
      rep->set_epoch(s.epoch);
      rep->set_is_leader(true);
    });
    ASSERT_EQ(state_->heartbeat(hb, now_).error_code(), 0u);
  };
  // First leaders: b everywhere; then elections move them all to a (the
  // others restarted, say).
  lead_all(b);
  lead_all(a);
  std::map<uint64_t, int> leaders;
  state_->current().for_each([&](const rope::segment& s) {
    if (!is_gap(s)) ++leaders[s.leader_hint.value];
  });
  ASSERT_EQ(leaders[a], 6);
  // Leaders moved without placement asking: an election. Transfers wait
  // for leader_settle after it.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(step().leader_transfers.empty()) << "step " << i;
  now_ += opt_.leader_settle;
  std::vector<std::pair<node_id, pb::MembershipRequest>> transfers;
  for (int i = 0; i < 3; ++i) {
    auto fx = step();
    // Each transfer succeeds: the new leader says so in its next heartbeat.
    for (const auto& [from, req] : fx.leader_transfers) {
      pb::Heartbeat won;
      won.set_node_id(req.node_id());
      auto* rep = won.add_segments();
      rep->set_segment_id(req.routing().segment_id());
      rep->set_epoch(req.routing().epoch());
      rep->set_is_leader(true);
      ASSERT_EQ(state_->heartbeat(won, now_).error_code(), 0u);
    }
    transfers.insert(transfers.end(), fx.leader_transfers.begin(), fx.leader_transfers.end());
  }
  // 6 leaders on 3 nodes: a keeps 2, at most max_moves_per_node per round.
  ASSERT_EQ(transfers.size(), 4u);
  std::set<uint64_t> segments;
  for (const auto& [to, req] : transfers) {
    EXPECT_EQ(to.value, a);
    EXPECT_EQ(req.op(), pb::MembershipRequest::TRANSFER_LEADER);
    EXPECT_NE(req.node_id(), a);
    EXPECT_TRUE(segments.insert(req.routing().segment_id()).second);
    const rope::segment* s = state_->current().find(segment_id{req.routing().segment_id()});
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(req.routing().epoch(), s->epoch);
    EXPECT_NE(std::find(s->replicas.begin(), s->replicas.end(), node_id{req.node_id()}), s->replicas.end());
  }
  EXPECT_EQ(state_->decisions().at("leader_transfers"), 4u);
  leaders.clear();
  state_->current().for_each([&](const rope::segment& s) {
    if (!is_gap(s)) ++leaders[s.leader_hint.value];
  });
  for (auto [node, n] : leaders) EXPECT_EQ(n, 2) << "node " << node;
  // Spread: nothing more to ask.
  EXPECT_TRUE(step().leader_transfers.empty());
}

}  // namespace
}  // namespace ropekv::placement_service
