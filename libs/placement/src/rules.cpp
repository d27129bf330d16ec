#include <algorithm>
#include <unordered_set>

#include "node_index.hpp"
#include "rules_detail.hpp"
#include "ropekv/placement/rules.hpp"

namespace ropekv::placement {
namespace detail {
namespace {

std::string where(const node_info& n, failure_domain level) {
  std::string out = "dc '" + n.labels.dc + "'";
  if (level == failure_domain::dc) return out;
  out += " rack '" + n.labels.rack + "'";
  if (level == failure_domain::rack) return out;
  return out + " host '" + n.labels.host + "'";
}

bool same(const violation& a, const violation& b) {
  return a.kind == b.kind && a.first == b.first && a.second == b.second;
}

}  // namespace

std::string node_name(node_id id) { return "node " + std::to_string(id.value); }

std::vector<violation> check_rules(const std::vector<node_id>& replicas, const node_index& idx,
                                   const placement_rule& rule) {
  std::vector<violation> out;
  std::vector<const node_info*> info(replicas.size());
  std::unordered_set<node_id> distinct_known;
  std::unordered_set<std::string> domains;
  for (size_t i = 0; i < replicas.size(); ++i) {
    info[i] = idx.find(replicas[i]);
    if (info[i] == nullptr) {
      out.push_back({violation_kind::unknown_node, replicas[i], replicas[i],
                     node_name(replicas[i]) + " is not a known node"});
    } else {
      distinct_known.insert(replicas[i]);
      domains.insert(idx.domain(*info[i], rule.level));
    }
  }
  // share_domains tolerates sharing only while no more domains could be used.
  bool sharing_ok = false;
  if (rule.on_shortage == shortage_policy::share_domains) {
    std::unordered_set<std::string> available = idx.accepting_domains(rule.level);
    available.insert(domains.begin(), domains.end());
    sharing_ok = domains.size() >= std::min(distinct_known.size(), available.size());
  }
  for (size_t i = 0; i < replicas.size(); ++i) {
    for (size_t j = i + 1; j < replicas.size(); ++j) {
      std::string pair = node_name(replicas[i]) + " and " + node_name(replicas[j]);
      if (replicas[i] == replicas[j]) {
        out.push_back({violation_kind::duplicate_replica, replicas[i], replicas[j],
                       node_name(replicas[i]) + " holds two replicas"});
        continue;
      }
      if (info[i] == nullptr || info[j] == nullptr) continue;
      if (idx.slot(*info[i]) == idx.slot(*info[j])) {
        out.push_back({violation_kind::shared_host_numa, replicas[i], replicas[j],
                       pair + " share host '" + info[i]->labels.host + "' numa '" +
                           info[i]->labels.numa + "'"});
      } else if (!sharing_ok &&
                 idx.domain(*info[i], rule.level) == idx.domain(*info[j], rule.level)) {
        out.push_back({violation_kind::shared_domain, replicas[i], replicas[j],
                       pair + " share " + std::string(to_string(rule.level)) + " domain (" +
                           where(*info[i], rule.level) + ")"});
      }
    }
  }
  return out;
}

segment_health assess(const std::vector<node_id>& replicas, uint32_t replication,
                      const node_index& idx, const placement_rule& rule) {
  segment_health h;
  std::unordered_set<std::string> domains;
  std::unordered_set<node_id> seen;
  for (node_id id : replicas) {
    const node_info* n = idx.find(id);
    if (n == nullptr || !n->alive || !seen.insert(id).second) continue;
    ++h.alive_replicas;
    if (n->draining) continue;
    ++h.usable_replicas;
    domains.insert(idx.domain(*n, rule.level));
  }
  h.domains = static_cast<uint32_t>(domains.size());
  h.under_replicated = h.usable_replicas < replication;
  h.under_protected = h.domains < replication;
  h.quorum_lost = !replicas.empty() && h.alive_replicas * 2 <= replicas.size();
  return h;
}

std::vector<node_id> apply_move(const std::vector<node_id>& replicas, const move& m) {
  std::vector<node_id> out = replicas;
  auto it = m.from ? std::find(out.begin(), out.end(), *m.from) : out.end();
  if (m.from && m.to && it != out.end()) {
    *it = *m.to;
  } else if (m.to) {
    out.push_back(*m.to);
  } else if (it != out.end()) {
    out.erase(it);
  }
  return out;
}

std::optional<error> move_problem(const segment_state& s, const move& m, const node_index& idx,
                                  const placement_rule& rule) {
  auto holds = [&](node_id id) {
    return std::find(s.replicas.begin(), s.replicas.end(), id) != s.replicas.end();
  };
  std::string seg = "segment " + std::to_string(s.id.value);
  if (!m.from && !m.to) return make_error(errc::invalid_argument, "move names no node");
  if (m.from && !holds(*m.from)) {
    return make_error(errc::invalid_argument, node_name(*m.from) + " holds no replica of " + seg);
  }
  if (m.to && holds(*m.to)) {
    return make_error(errc::invalid_argument, node_name(*m.to) + " already holds " + seg);
  }
  if (m.to) {
    const node_info* n = idx.find(*m.to);
    if (n == nullptr) return make_error(errc::condition_failed, node_name(*m.to) + " is unknown");
    if (!n->alive) return make_error(errc::condition_failed, node_name(*m.to) + " is down");
    if (n->draining) return make_error(errc::condition_failed, node_name(*m.to) + " is draining");
  }
  if (!m.from && s.replicas.size() >= s.replication) {
    return make_error(errc::condition_failed, seg + " already has its replicas");
  }
  if (!m.to && s.replicas.size() <= s.replication) {
    return make_error(errc::condition_failed, seg + " would go below its replication");
  }
  std::vector<node_id> after = apply_move(s.replicas, m);
  auto before_v = check_rules(s.replicas, idx, rule);
  for (const auto& v : check_rules(after, idx, rule)) {
    bool existed = std::any_of(before_v.begin(), before_v.end(),
                               [&](const violation& b) { return same(b, v); });
    if (!existed) return make_error(errc::condition_failed, v.reason);
  }
  segment_health hb = assess(s.replicas, s.replication, idx, rule);
  segment_health ha = assess(after, s.replication, idx, rule);
  if (ha.domains < std::min(hb.domains, s.replication)) {
    return make_error(errc::condition_failed, seg + " would span fewer " +
                                                  std::string(to_string(rule.level)) + " domains");
  }
  if (ha.usable_replicas < std::min(hb.usable_replicas, s.replication)) {
    return make_error(errc::condition_failed, seg + " would keep fewer usable replicas");
  }
  return std::nullopt;
}

}  // namespace detail

std::vector<violation> check_rules(const std::vector<node_id>& replicas,
                                   const std::vector<node_info>& nodes,
                                   const placement_rule& rule) {
  return detail::check_rules(replicas, detail::node_index(nodes), rule);
}

segment_health assess(const segment_state& segment, const std::vector<node_info>& nodes,
                      const placement_rule& rule) {
  return detail::assess(segment.replicas, segment.replication, detail::node_index(nodes), rule);
}

status approve_move(const segment_state& segment, const move& m,
                    const std::vector<node_info>& nodes, const placement_rule& rule,
                    uint32_t max_moves_per_node) {
  if (m.segment != segment.id) {
    return make_error(errc::invalid_argument, "move is for another segment");
  }
  detail::node_index idx(nodes);
  if (auto problem = detail::move_problem(segment, m, idx, rule)) return std::move(*problem);
  if (segment.moving) {
    return make_error(errc::unavailable, "a move of this segment is in flight");
  }
  for (const auto& id : {m.from, m.to}) {
    const node_info* n = id ? idx.find(*id) : nullptr;
    if (n != nullptr && n->alive && n->moves_in_flight >= max_moves_per_node) {
      return make_error(errc::unavailable, detail::node_name(*id) + " is at its move limit");
    }
  }
  return {};
}

std::string_view to_string(violation_kind kind) noexcept {
  switch (kind) {
    case violation_kind::unknown_node: return "unknown_node";
    case violation_kind::duplicate_replica: return "duplicate_replica";
    case violation_kind::shared_host_numa: return "shared_host_numa";
    case violation_kind::shared_domain: return "shared_domain";
  }
  return "unknown";
}

}  // namespace ropekv::placement
