// placement_state: the rope's agency beyond repair (DESIGN §6) — balance
// rounds, the leader spread, drains, and the load and replication views
// GET /v1/cluster and GET /v1/tables/{t} show.
//
// Order of concern: repair first (lost, dead, rule-breaking, drained or
// missing replicas), balance only when repair has nothing planned or
// deferred, and at most every balance_interval. Every move of every kind
// counts against max_moves_per_node on both its nodes, so a join or a drain
// never floods one node with snapshots.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/placement/balance.hpp"
#include "ropekv/placement/leaders.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

bool holds(const rope::segment& s, uint64_t node) {
  return std::find(s.replicas.begin(), s.replicas.end(), node_id{node}) != s.replicas.end();
}

}  // namespace

void placement_state::run_balance(time_point now) {
  if (opt_.balance_band <= 0 || repair_busy_ || repair_wanted_) return;
  if (last_balance_ != time_point{} && now - last_balance_ < opt_.balance_interval) return;
  for (const auto& [id, n] : nodes_) {
    if (n.alive && now - n.last_seen >= opt_.suspect_after) return;  // wait: dead, or back
  }
  last_balance_ = now;
  auto infos = node_infos();
  auto plan = placement::balance_plan(infos, segment_states(), opt_.rule,
                                      placement::balance_options{opt_.balance_band, opt_.max_moves_per_node});
  if (!plan) {
    spdlog::error("event=balance_plan_failed error=\"{}\"", plan.error().message);
    return;
  }
  if (plan->balanced) joining_.clear();  // every node in band: joins are over
  for (const auto& m : plan->moves) {
    bool join = m.to && joining_.count(m.to->value);
    start_move(m, now, join ? "join" : "balance");
  }
  if (!plan->moves.empty()) {
    ++decisions_["balance_rounds"];
    spdlog::info("event=balance_planned moves={} stuck={}", plan->moves.size(), plan->stuck);
  }
  spread_leaders(now);
}

// Leadership is the cheap lever: it moves no data, so it runs every round
// replicas are settled, through the owner of the current leader.
void placement_state::spread_leaders(time_point now) {
  if (last_election_ != time_point{} && now - last_election_ < opt_.leader_settle) return;
  for (auto it = leader_asked_.begin(); it != leader_asked_.end();)
    it = now - it->second >= opt_.leader_transfer_cooldown ? leader_asked_.erase(it) : std::next(it);
  std::vector<placement::led_segment> led;
  std::map<uint64_t, uint64_t> epochs;
  rope_.for_each([&](const rope::segment& s) {
    if (is_gap(s)) return;
    bool busy = moves_.count(s.id.value) || splits_.count(s.id.value) || leader_asked_.count(s.id.value);
    led.push_back(placement::led_segment{s.id, s.replicas, s.leader_hint, busy});
    epochs[s.id.value] = s.epoch;
  });
  auto plan = placement::leader_plan(node_infos(), led,
                                     placement::leader_options{opt_.balance_band, opt_.max_moves_per_node});
  for (const auto& t : plan) {
    pb::MembershipRequest req;
    req.mutable_routing()->set_segment_id(t.segment.value);
    req.mutable_routing()->set_epoch(epochs[t.segment.value]);
    req.mutable_routing()->set_rope_version(rope_.version());
    req.set_op(pb::MembershipRequest::TRANSFER_LEADER);
    req.set_node_id(t.to.value);
    out_.leader_transfers.emplace_back(t.from, std::move(req));
    leader_asked_[t.segment.value] = now;
    ++decisions_["leader_transfers"];
    spdlog::info("event=leader_transfer_ordered kind=balance segment={} from={} to={}", t.segment.value,
                 t.from.value, t.to.value);
  }
}

void placement_state::note_drains_done() {
  for (const auto& [id, n] : nodes_) {
    if (!n.desc.draining()) {
      drained_.erase(id);
      continue;
    }
    if (drained_.count(id)) continue;
    bool empty = true;
    rope_.for_each([&](const rope::segment& s) { empty = empty && !holds(s, id); });
    bool moving = std::any_of(moves_.begin(), moves_.end(),
                              [&](const auto& m) { return m.second.plan.from == node_id{id}; });
    if (!empty || moving) continue;
    drained_.insert(id);
    ++decisions_["drains_done"];
    spdlog::info("event=drain_done node={}", id);
  }
}

pb::DrainNodeReply placement_state::drain_node(const pb::DrainNodeRequest& req) {
  pb::DrainNodeReply reply;
  auto it = nodes_.find(req.node_id());
  if (it == nodes_.end()) {
    *reply.mutable_status() =
        to_status(make_error(errc::not_found, "no node " + std::to_string(req.node_id())));
    return reply;
  }
  node_entry& n = it->second;
  if (n.desc.draining() != req.draining()) {
    pb::NodeDescriptor desc = n.desc;
    desc.set_draining(req.draining());
    if (auto st = db_->put_node(desc); !st) {
      *reply.mutable_status() = to_status(st.error());
      return reply;
    }
    n.desc = std::move(desc);
    meta_changed_ = true;   // routers and tools see the flag in RopeUpdate.nodes
    repair_wanted_ = true;  // repair moves the replicas (or stops moving them)
    joining_.erase(req.node_id());
    ++decisions_[req.draining() ? "drains_started" : "drains_cancelled"];
    spdlog::info("event={} node={} address={}", req.draining() ? "drain_started" : "drain_cancelled",
                 req.node_id(), n.desc.address());
  }
  for (auto& l : node_loads(balance_view())) {
    if (l.node_id() == req.node_id()) *reply.mutable_node() = std::move(l);
  }
  return reply;
}

placement::balance_result placement_state::balance_view() const {
  auto plan = placement::balance_plan(node_infos(), segment_states(), opt_.rule,
                                      placement::balance_options{std::max(0.0, opt_.balance_band),
                                                                 opt_.max_moves_per_node});
  return plan ? std::move(*plan) : placement::balance_result{};
}

std::vector<pb::NodeLoad> placement_state::node_loads(const placement::balance_result& view) const {
  std::map<uint64_t, const placement::node_share*> shares;
  for (const auto& s : view.shares) shares[s.id.value] = &s;
  std::vector<pb::NodeLoad> out;
  for (const auto& n : node_infos()) {
    pb::NodeLoad l;
    l.set_node_id(n.id.value);
    l.set_alive(n.alive);
    l.set_draining(n.draining);
    l.set_replicas(n.load.replicas);
    l.set_leaders(n.load.leaders);
    l.set_bytes(n.load.bytes);
    l.set_moves_in_flight(n.moves_in_flight);
    if (auto it = shares.find(n.id.value); it != shares.end()) {
      l.set_fair_replicas(it->second->fair_replicas);
      l.set_fair_bytes(it->second->fair_bytes);
      l.set_within_band(it->second->within_band);
    } else {
      l.set_within_band(n.load.replicas == 0);  // dead or draining: in band once empty
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::pair<uint32_t, uint32_t> placement_state::replicas_short(uint32_t table_id) const {
  uint32_t worst = 0, segments = 0;
  auto name = table_names_.find(table_id);
  if (name == table_names_.end()) return {0, 0};
  const uint32_t want = tables_.at(name->second).replication();
  for (const auto& s : table_segments(rope_, table_id)) {
    uint32_t alive = 0;
    for (node_id r : s.replicas) {
      auto n = nodes_.find(r.value);
      if (n != nodes_.end() && n->second.alive) ++alive;
    }
    if (alive >= want) continue;
    worst = std::max(worst, want - alive);
    ++segments;
  }
  return {worst, segments};
}

void placement_state::fill_replication(pb::TableReply& reply) const {
  auto [worst, segments] = replicas_short(reply.schema().id());
  reply.set_replicas_short(worst);
  reply.set_segments_under_replicated(segments);
}

}  // namespace ropekv::placement_service
