#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "chooser_detail.hpp"
#include "node_index.hpp"
#include "rules_detail.hpp"
#include "ropekv/placement/repair.hpp"

namespace ropekv::placement {
namespace {

bool contains(const std::vector<node_id>& v, node_id id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

std::vector<node_id> minus(const std::vector<node_id>& a, const std::vector<node_id>& b) {
  std::vector<node_id> out;
  for (node_id id : a) {
    if (!contains(b, id)) out.push_back(id);
  }
  return out;
}

// share_domains: drop enough replicas sitting in shared domains (last first,
// never the leader hint) that the chooser can move them to new domains.
std::vector<node_id> share_preselect(const segment_state& s, const segment_health& h,
                                     const detail::node_index& idx, const placement_rule& rule) {
  size_t reachable = std::min<size_t>(s.replication, idx.accepting_domains(rule.level).size());
  size_t missing = s.replication > h.usable_replicas ? s.replication - h.usable_replicas : 0;
  if (reachable <= h.domains + missing) return s.replicas;
  size_t drop = reachable - h.domains - missing;
  std::unordered_map<std::string, size_t> per_domain;
  for (node_id id : s.replicas) {
    const node_info* n = idx.find(id);
    if (n != nullptr && accepts_replicas(*n)) ++per_domain[idx.domain(*n, rule.level)];
  }
  std::vector<node_id> out = s.replicas;
  for (size_t i = out.size(); i-- > 1 && drop > 0;) {
    const node_info* n = idx.find(out[i]);
    if (n == nullptr || !accepts_replicas(*n)) continue;
    size_t& count = per_domain[idx.domain(*n, rule.level)];
    if (count < 2) continue;
    --count;
    --drop;
    out.erase(out.begin() + static_cast<long>(i));
  }
  return out;
}

size_t domains_of(const std::vector<node_id>& replicas, const detail::node_index& idx,
                  const placement_rule& rule) {
  std::unordered_set<std::string> d;
  for (node_id id : replicas) {
    if (const node_info* n = idx.find(id)) d.insert(idx.domain(*n, rule.level));
  }
  return d.size();
}

class planner {
 public:
  planner(std::vector<node_info>& work, const placement_rule& rule, const repair_options& opt)
      : work_(work), idx_(work), rule_(rule), opt_(opt) {}

  const detail::node_index& index() const { return idx_; }

  void plan(const segment_state& s, repair_result& out) {
    segment_health h = detail::assess(s.replicas, s.replication, idx_, rule_);
    if (s.replicas.size() == s.replication && h.usable_replicas == s.replication &&
        h.domains == s.replication && detail::check_rules(s.replicas, idx_, rule_).empty()) {
      return;  // healthy: the common case, no chooser run
    }
    auto under_limit = [&](const node_info& n) { return !at_limit(n.id); };
    std::vector<node_id> keep = s.replicas;
    if (rule_.on_shortage == shortage_policy::share_domains) keep = share_preselect(s, h, idx_, rule_);
    placement_result res = detail::choose(idx_, s.replication, rule_, keep, under_limit);
    if (keep != s.replicas && domains_of(res.replicas, idx_, rule_) <= h.domains) {
      keep = s.replicas;  // no domain gained: do not shuffle within domains
      res = detail::choose(idx_, s.replication, rule_, keep, under_limit);
    }
    placement_result unlimited = detail::choose(idx_, s.replication, rule_, keep);
    bool blocked = unlimited.under_protected;

    std::vector<node_id> added = minus(res.replicas, s.replicas);
    std::vector<node_id> dropped = minus(s.replicas, res.replicas);
    // Replace the dead first: they are what threatens quorum.
    std::stable_partition(dropped.begin(), dropped.end(), [&](node_id id) {
      const node_info* n = idx_.find(id);
      return n == nullptr || !n->alive;
    });
    bool deferred = minus(unlimited.replicas, s.replicas).size() > added.size();
    segment_state cur = s;
    // A limited move waits for a slot (deferred); an illegal one cannot be
    // made now at all (under-protected): reporting it deferred would have
    // the caller wait for slots that never help.
    auto note = [&](emitted e) {
      if (e == emitted::limited) deferred = true;
      if (e == emitted::illegal) blocked = true;
    };
    size_t paired = std::min(added.size(), dropped.size());
    for (size_t k = 0; k < paired; ++k) {
      note(emit(cur, move{s.id, dropped[k], added[k], "replace " + why(dropped[k])}, out));
    }
    for (size_t k = paired; k < added.size(); ++k) {
      if (cur.replicas.size() >= s.replication) break;
      std::string reason = h.under_replicated ? "add missing replica" : "add protection";
      note(emit(cur, move{s.id, std::nullopt, added[k], reason}, out));
    }
    for (size_t k = paired; k < dropped.size(); ++k) {
      const node_info* n = idx_.find(dropped[k]);
      if (n != nullptr && n->alive && n->draining) continue;  // until replaced
      if (cur.replicas.size() <= s.replication) break;
      note(emit(cur, move{s.id, dropped[k], std::nullopt, "remove " + why(dropped[k])}, out));
    }
    if (blocked) out.under_protected.push_back(s.id);
    if (deferred) out.deferred.push_back(s.id);
  }

 private:
  bool at_limit(node_id id) const {
    const node_info* n = idx_.find(id);
    return n != nullptr && n->alive && n->moves_in_flight >= opt_.max_moves_per_node;
  }

  std::string why(node_id id) const {
    const node_info* n = idx_.find(id);
    if (n == nullptr) return "replica on unknown node";
    if (!n->alive) return "replica on dead node";
    if (n->draining) return "replica on draining node";
    return "replica breaking placement rules or surplus";
  }

  // Emits `m` if it is legal against the segment as already changed by this
  // plan and within move limits; updates the working loads. False if not.
  enum class emitted { ok, limited, illegal };

  emitted emit(segment_state& cur, move m, repair_result& out) {
    if ((m.from && at_limit(*m.from)) || (m.to && at_limit(*m.to))) return emitted::limited;
    if (detail::move_problem(cur, m, idx_, rule_)) return emitted::illegal;
    cur.replicas = detail::apply_move(cur.replicas, m);
    if (m.to) {
      node_info& n = work_[*idx_.position(*m.to)];
      ++n.load.replicas;
      n.load.bytes += cur.stats.bytes;
      ++n.moves_in_flight;
    }
    if (auto pos = m.from ? idx_.position(*m.from) : std::nullopt) {
      node_info& n = work_[*pos];
      n.load.replicas -= std::min<uint32_t>(n.load.replicas, 1);
      n.load.bytes -= std::min(n.load.bytes, cur.stats.bytes);
      if (n.alive) ++n.moves_in_flight;
    }
    out.moves.push_back(std::move(m));
    return emitted::ok;
  }

  std::vector<node_info>& work_;
  detail::node_index idx_;
  placement_rule rule_;
  repair_options opt_;
};

}  // namespace

result<repair_result> repair_plan(const std::vector<segment_state>& segments,
                                  const std::vector<node_info>& nodes, const placement_rule& rule,
                                  const repair_options& options) {
  if (auto s = detail::node_index::validate(nodes); !s) return std::move(s).error();
  for (const auto& seg : segments) {
    if (auto s = check_replication(seg.replication); !s) return std::move(s).error();
  }
  std::vector<node_info> work = nodes;
  planner p(work, rule, options);
  if (p.index().accepting_count() == 0) {
    return make_error(errc::unavailable, "no node accepts replicas");
  }
  // Most urgent first: lost quorum, then fewest alive, then fewest usable.
  using urgency = std::tuple<bool, uint32_t, uint32_t, segment_id>;
  std::vector<std::pair<urgency, size_t>> order;
  order.reserve(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    segment_health h = detail::assess(segments[i].replicas, segments[i].replication,
                                      p.index(), rule);
    order.push_back({{!h.quorum_lost, h.alive_replicas, h.usable_replicas, segments[i].id}, i});
  }
  std::sort(order.begin(), order.end());
  repair_result out;
  for (const auto& [key, i] : order) {
    if (!segments[i].moving) p.plan(segments[i], out);
  }
  return out;
}

}  // namespace ropekv::placement
