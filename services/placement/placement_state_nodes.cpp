// placement_state: owner registration and heartbeats (liveness, leader
// hints, stats, move completion).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/rope/rope_proto.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

bool contains(const std::vector<node_id>& v, node_id id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

bool differs(double a, double b, double floor) {
  return std::abs(a - b) >= std::max(floor, 0.1 * std::max(std::abs(a), std::abs(b)));
}

// Stats are worth a rope version only when they moved by 10% (with floors,
// so an idle segment's jitter never counts): routers and the balancer
// care about where the load is, not its last decimal.
bool stats_matter(const rope::segment_stats& a, const rope::segment_stats& b) {
  return differs(double(a.bytes), double(b.bytes), 64 * 1024) ||
         differs(double(a.items), double(b.items), 100) ||
         differs(a.reads_per_s, b.reads_per_s, 1) || differs(a.writes_per_s, b.writes_per_s, 1);
}

pb::RegisterReply register_error(const error& e) {
  pb::RegisterReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

}  // namespace

pb::RegisterReply placement_state::register_node(const pb::RegisterNode& req, time_point now) {
  pb::NodeDescriptor desc = req.node();
  if (desc.address().empty())
    return register_error(make_error(errc::invalid_argument, "a node needs its CAF endpoint address"));
  if (desc.id() != 0) {
    auto it = nodes_.find(desc.id());
    if (it == nodes_.end())
      return register_error(make_error(
          errc::not_found, "unknown node id " + std::to_string(desc.id()) + ": register with id 0"));
    node_entry& n = it->second;
    desc.set_draining(n.desc.draining());  // placement's to set, not the owner's
    if (n.desc.SerializeAsString() != desc.SerializeAsString()) {
      if (auto st = db_->put_node(desc); !st) return register_error(st.error());
      n.desc = desc;
      meta_changed_ = true;
    }
    n.last_seen = now;
    n.alive = true;
    repair_wanted_ = true;
    bool empty = true;
    rope_.for_each([&](const rope::segment& s) { empty = empty && !contains(s.replicas, node_id{desc.id()}); });
    if (empty) joining_.insert(desc.id());  // back with nothing: balance fills it as a join
    resync_node(node_id{desc.id()});
    spdlog::info("event=node_reregistered node={} address={} dc={} rack={} host={} numa={}",
                 desc.id(), desc.address(), desc.labels().dc(), desc.labels().rack(),
                 desc.labels().host(), desc.labels().numa());
  } else {
    auto id = db_->allocate_id(catalog::id_kind::node);
    if (!id) return register_error(id.error());
    desc.set_id(*id);
    desc.set_draining(false);
    if (auto st = db_->put_node(desc); !st) return register_error(st.error());
    joining_.insert(*id);
    nodes_[*id] = node_entry{desc, now, true};
    meta_changed_ = true;
    repair_wanted_ = true;  // a new domain may fix under-protected segments
    spdlog::info("event=node_registered node={} address={} dc={} rack={} host={} numa={} capacity={}",
                 desc.id(), desc.address(), desc.labels().dc(), desc.labels().rack(),
                 desc.labels().host(), desc.labels().numa(), desc.capacity_bytes());
  }
  pb::RegisterReply r;
  r.set_node_id(desc.id());
  return r;
}

// A re-registering owner may have lost messages while it was away: tell it
// again every replica it should host. bootstrap stays set for groups whose
// membership never changed (epoch 1): an owner with no state for such a
// group must bootstrap it, one that has state ignores the flag.
void placement_state::resync_node(node_id id) {
  rope_.for_each([&](const rope::segment& s) {
    if (contains(s.replicas, id)) out_.assignments.emplace_back(id, assignment(s, s.epoch == 1));
  });
  for (const auto& [seg, m] : moves_) {
    if (m.plan.to != id) continue;
    if (const rope::segment* s = rope_.find(segment_id{seg}))
      out_.assignments.emplace_back(id, move_assignment(*s, m));
  }
}

pb::Status placement_state::heartbeat(const pb::Heartbeat& hb, time_point now) {
  auto it = nodes_.find(hb.node_id());
  if (it == nodes_.end())
    return to_status(make_error(errc::not_found,
                                "unknown node " + std::to_string(hb.node_id()) + ": register again"));
  node_entry& n = it->second;
  n.last_seen = now;
  last_now_ = std::max(last_now_, now);
  if (!n.alive) {
    n.alive = true;
    repair_wanted_ = true;
    spdlog::info("event=node_up node={}", hb.node_id());
  }
  apply_reports(hb, n);
  return pb::Status{};
}

void placement_state::apply_reports(const pb::Heartbeat& hb, node_entry& node) {
  const node_id me{node.desc.id()};
  std::map<uint64_t, rope::segment> changed;  // segments as the next version has them
  std::vector<uint64_t> finished;             // moves this report completes
  for (const auto& rep : hb.segments()) {
    const rope::segment* base = rope_.find(segment_id{rep.segment_id()});
    if (base == nullptr && adopt_split_half(rep.segment_id())) base = rope_.find(segment_id{rep.segment_id()});
    if (base == nullptr && split_parents_.count(rep.segment_id())) continue;  // still catching up with a split
    if (base == nullptr || is_gap(*base)) {
      rope::segment unknown;
      unknown.id = segment_id{rep.segment_id()};
      push_drop(me, unknown, "unknown segment");
      continue;
    }
    auto ch = changed.find(base->id.value);
    rope::segment cur = ch != changed.end() ? ch->second : *base;
    bool dirty = false;
    auto mv = moves_.find(cur.id.value);
    bool incoming = mv != moves_.end() && contains(mv->second.target, me);
    if (incoming && mv->second.plan.to == me) {
      mv->second.target_hosting = true;
      mv->second.target_bytes = rep.stats().bytes();
    }
    if (incoming && rep.epoch() >= mv->second.target_epoch &&
        std::find(finished.begin(), finished.end(), cur.id.value) == finished.end()) {
      cur.replicas = mv->second.target;
      cur.epoch = mv->second.target_epoch;
      if (!contains(cur.replicas, cur.leader_hint)) cur.leader_hint = node_id{};
      finished.push_back(cur.id.value);
      dirty = true;
    }
    bool member = contains(cur.replicas, me);
    if (!member && !incoming) {
      push_drop(me, cur, "not a replica");
      continue;
    }
    if (member && rep.is_leader()) {
      if (cur.leader_hint != me) {
        // A leader placement did not ask for: an election (a node died,
        // restarted or was cut off). Leader spread waits for it to settle.
        if (cur.leader_hint.value != 0 && !leader_asked_.count(cur.id.value)) last_election_ = last_now_;
        cur.leader_hint = me;
        dirty = true;
      }
      rope::segment_stats stats = rope::from_proto(rep.stats());
      if (pending_stats_.count(cur.id.value) || stats_matter(cur.stats, stats))
        pending_stats_[cur.id.value] = stats;
    }
    if (dirty) changed[cur.id.value] = std::move(cur);
  }
  if (changed.empty()) return;
  rope::rope_delta d;
  for (auto& [id, s] : changed) d.upserted.push_back(std::move(s));
  if (auto st = commit(std::move(d), finished.empty() ? "leader_hint" : "move_done"); !st) {
    spdlog::error("event=heartbeat_commit_failed node={} error=\"{}\"", me.value, st.error().message);
    return;
  }
  for (uint64_t seg : finished) {
    move_in_flight m = moves_.at(seg);
    moves_.erase(seg);
    repair_wanted_ = true;
    if (m.plan.from) push_drop(*m.plan.from, *rope_.find(segment_id{seg}), "moved away");
    ++decisions_["moves_done_" + m.kind];
    spdlog::info("event=move_done kind={} segment={} from={} to={} epoch={} took_ms={}", m.kind, seg,
                 m.plan.from ? m.plan.from->value : 0, m.plan.to ? m.plan.to->value : 0,
                 m.target_epoch,
                 std::chrono::duration_cast<std::chrono::milliseconds>(last_now_ - m.started).count());
  }
}

}  // namespace ropekv::placement_service
