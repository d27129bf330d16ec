// placement_state's read side: the inputs the pure placement rules take, and
// the wire forms subscribers and GET /v1/cluster see.
#include <algorithm>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/placement/balance.hpp"
#include "ropekv/placement/rules.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"
#include "table_validation.hpp"

namespace ropekv::placement_service {

std::vector<placement::node_info> placement_state::node_infos() const {
  std::map<uint64_t, placement::node_load> load;
  rope_.for_each([&](const rope::segment& s) {
    for (node_id r : s.replicas) {
      auto& l = load[r.value];
      ++l.replicas;
      l.bytes += s.stats.bytes;
      l.reads_per_s += s.stats.reads_per_s;
      l.writes_per_s += s.stats.writes_per_s;
      if (s.leader_hint == r) ++l.leaders;
    }
  });
  std::map<uint64_t, uint32_t> busy;
  for (const auto& [seg, m] : moves_) {
    if (m.plan.from) ++busy[m.plan.from->value];
    if (m.plan.to) ++busy[m.plan.to->value];
  }
  std::vector<placement::node_info> out;
  out.reserve(nodes_.size());
  for (const auto& [id, n] : nodes_) {
    placement::node_info info;
    info.id = node_id{id};
    const auto& l = n.desc.labels();
    info.labels = placement::node_labels{l.dc(), l.rack(), l.host(), l.numa()};
    info.capacity_bytes = n.desc.capacity_bytes();
    info.alive = n.alive;
    info.draining = n.desc.draining();
    info.load = load[id];
    info.moves_in_flight = busy[id];
    out.push_back(std::move(info));
  }
  return out;
}

uint32_t placement_state::replication_of(const rope::segment& s) const {
  auto t = table_of(s);
  auto name = t ? table_names_.find(*t) : table_names_.end();
  if (name == table_names_.end()) return default_replication;
  return tables_.at(name->second).replication();
}

std::vector<placement::segment_state> placement_state::segment_states() const {
  std::vector<placement::segment_state> out;
  rope_.for_each([&](const rope::segment& s) {
    if (is_gap(s)) return;
    placement::segment_state st;
    st.id = s.id;
    st.table = table_id{table_of(s).value_or(0)};
    st.replicas = s.replicas;
    // Leader hint first, as the planners expect (balance prefers moving
    // replicas that do not lead; share_domains repair never moves it).
    auto lead = std::find(st.replicas.begin(), st.replicas.end(), s.leader_hint);
    if (lead != st.replicas.end()) std::rotate(st.replicas.begin(), lead, lead + 1);
    st.replication = replication_of(s);
    st.stats = placement::segment_stats{s.stats.bytes, s.stats.items, s.stats.reads_per_s,
                                        s.stats.writes_per_s};
    st.moving = moves_.count(s.id.value) > 0;
    out.push_back(std::move(st));
  });
  return out;
}

pb::SegmentAssignment placement_state::assignment(const rope::segment& s, bool bootstrap) const {
  pb::SegmentAssignment a;
  *a.mutable_segment() = rope::to_proto(s);
  for (node_id r : s.replicas) {
    if (auto it = nodes_.find(r.value); it != nodes_.end()) *a.add_peers() = it->second.desc;
  }
  a.set_bootstrap(bootstrap);
  return a;
}

void placement_state::push_drop(node_id to, const rope::segment& s, const std::string& reason) {
  pb::SegmentDrop d;
  d.set_segment_id(s.id.value);
  d.set_epoch(s.epoch);
  d.set_reason(reason);
  out_.drops.emplace_back(to, std::move(d));
}

void placement_state::fill_meta(pb::RopeUpdate& update) const {
  for (const auto& [name, schema] : tables_) *update.add_tables() = schema;
  for (const auto& [id, n] : nodes_) *update.add_nodes() = n.desc;
  for (const auto& [id, n] : notifiers_) *update.add_notifiers() = n.desc;
  // Hooks go out whole, secrets included: notifiers sign with them; routers
  // and owners ignore them. Issue 16 will restrict who receives secrets
  // (only notifiers, over an authenticated link).
  for (const auto& [name, h] : hooks_) *update.add_hooks() = h.hook;
  for (const auto& [id, n] : indexers_) *update.add_indexers() = n.desc;
  // Indexers take their assignment from here; routers pick ACTIVE replicas.
  for (const auto& [id, e] : indexes_) *update.add_indexes() = e.desc;
  // Hashes only: routers and notifiers check bearer tokens against them.
  for (const auto& [name, t] : tokens_) *update.add_tokens() = t;
}

pb::RopeUpdate placement_state::full_update() const {
  pb::RopeUpdate u;
  *u.mutable_delta() = rope::to_proto(rope::diff(rope::rope{}, rope_));
  fill_meta(u);
  return u;
}

pb::ClusterReply placement_state::cluster() const {
  pb::ClusterReply c;
  c.set_rope_version(rope_.version());
  for (const auto& [id, n] : nodes_) {
    *c.add_nodes() = n.desc;
    if (n.alive) c.add_alive_nodes(id);
  }
  auto infos = node_infos();
  rope_.for_each([&](const rope::segment& s) {
    if (!is_gap(s)) *c.add_segments() = rope::to_proto(s);
  });
  auto states = segment_states();
  for (const auto& st : states) {
    placement::segment_health h = placement::assess(st, infos, opt_.rule);
    if (!h.under_protected && !h.under_replicated && !h.quorum_lost) continue;
    // Short counts replicas on alive nodes: a draining node's replica still
    // serves (usable_replicas leaves it out), a dead node's does not.
    uint32_t short_by = st.replication > h.alive_replicas ? st.replication - h.alive_replicas : 0;
    auto* u = c.add_unhealthy();
    u->set_segment_id(st.id.value);
    u->set_replication(st.replication);
    u->set_usable_replicas(h.usable_replicas);
    u->set_domains(h.domains);
    u->set_under_protected(h.under_protected);
    u->set_quorum_lost(h.quorum_lost);
    u->set_under_replicated(short_by > 0);
    u->set_replicas_short(short_by);
  }
  auto view = balance_view();
  for (auto& l : node_loads(view)) *c.add_node_loads() = std::move(l);
  c.set_balance_band(opt_.balance_band);
  c.set_balanced(view.balanced);
  for (const auto& [name, n] : decisions_) (*c.mutable_decisions())[name] = n;
  c.set_moves_in_flight(static_cast<uint32_t>(moves_.size()));
  for (const auto& [seg, m] : moves_) {
    auto* p = c.add_moves();
    p->set_segment_id(seg);
    p->set_from_node(m.plan.from ? m.plan.from->value : 0);
    p->set_to_node(m.plan.to ? m.plan.to->value : 0);
    p->set_target_epoch(m.target_epoch);
    p->set_reason(m.plan.reason);
    p->set_kind(m.kind);
    p->set_state(m.target_hosting ? "target_hosting" : "ordered");
    // The leader's bytes: its latest report if not yet in the rope.
    auto pending = pending_stats_.find(seg);
    const rope::segment* s = rope_.find(segment_id{seg});
    uint64_t total = pending != pending_stats_.end() ? pending->second.bytes : s ? s->stats.bytes : 0;
    p->set_bytes_copied(m.target_bytes);
    p->set_bytes_total(total);
    p->set_progress(total == 0 ? 0.0 : std::min(1.0, static_cast<double>(m.target_bytes) / total));
    p->set_age_ms(last_now_ > m.started ? static_cast<uint64_t>(
                                              std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  last_now_ - m.started)
                                                  .count())
                                        : 0);
  }
  return c;
}

}  // namespace ropekv::placement_service
