#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "chooser_detail.hpp"
#include "rules_detail.hpp"
#include "ropekv/placement/chooser.hpp"

namespace ropekv::placement {
namespace detail {
namespace {

// Totals of one domain over the nodes that accept replicas.
struct domain_totals {
  double weight = 0;
  double replicas = 0;
  uint64_t bytes = 0;
  uint64_t capacity = 0;
  node_id min_id{std::numeric_limits<uint64_t>::max()};
};

// Lexicographic preference; smaller is better.
using score = std::tuple<uint32_t,  // replicas already in the domain (share pass)
                         double,    // domain: (replicas + 1) / weight
                         double,    // domain: bytes / capacity
                         node_id,   // domain: lowest node id, a stable domain tie-break
                         double,    // node: (replicas + 1) / weight
                         double,    // node: bytes / capacity
                         node_id>;

}  // namespace

placement_result choose(const node_index& idx, uint32_t replication, const placement_rule& rule,
                        const std::vector<node_id>& existing, const target_filter& ok) {
  placement_result out;
  std::unordered_set<node_id> used_nodes;
  std::unordered_set<std::string> used_slots;
  std::unordered_map<std::string, uint32_t> used_domains;
  bool strict = rule.on_shortage == shortage_policy::fewer_replicas;
  auto take = [&](const node_info& n) {
    out.replicas.push_back(n.id);
    used_nodes.insert(n.id);
    used_slots.insert(idx.slot(n));
    ++used_domains[idx.domain(n, rule.level)];
  };
  for (node_id id : existing) {
    if (out.replicas.size() >= replication) break;
    const node_info* n = idx.find(id);
    if (n == nullptr || !accepts_replicas(*n) || used_nodes.count(id) ||
        used_slots.count(idx.slot(*n))) {
      continue;
    }
    if (strict && used_domains.count(idx.domain(*n, rule.level))) continue;
    take(*n);
  }

  std::map<std::string, domain_totals> domains;
  for (const auto& n : idx.nodes()) {
    if (!accepts_replicas(n)) continue;
    auto& d = domains[idx.domain(n, rule.level)];
    d.weight += idx.weight(n);
    d.replicas += n.load.replicas;
    d.bytes += n.load.bytes;
    d.capacity += n.capacity_bytes;
    d.min_id = std::min(d.min_id, n.id);
  }
  // One pass per new replica; the share pass may reuse a used domain.
  auto pick = [&](bool share) -> const node_info* {
    const node_info* best = nullptr;
    score best_score;
    for (const auto& n : idx.nodes()) {
      if (!accepts_replicas(n) || used_nodes.count(n.id) || used_slots.count(idx.slot(n))) continue;
      if (ok && !ok(n)) continue;
      const std::string& dk = idx.domain(n, rule.level);
      auto used = used_domains.find(dk);
      uint32_t in_domain = used == used_domains.end() ? 0 : used->second;
      if (!share && in_domain > 0) continue;
      const domain_totals& d = domains[dk];
      double w = idx.weight(n);
      score s{in_domain,
              (d.replicas + 1) / d.weight,
              node_index::fill(d.bytes, d.capacity),
              d.min_id,
              (n.load.replicas + 1) / w,
              node_index::fill(n.load.bytes, n.capacity_bytes),
              n.id};
      if (best == nullptr || s < best_score) {
        best = &n;
        best_score = s;
      }
    }
    return best;
  };
  while (out.replicas.size() < replication) {
    const node_info* n = pick(false);
    if (n == nullptr && !strict) n = pick(true);
    if (n == nullptr) break;
    take(*n);
  }

  if (used_domains.size() < replication) {
    out.under_protected = true;
    std::string level(to_string(rule.level));
    out.reason = "replicas span " + std::to_string(used_domains.size()) + " of " +
                 std::to_string(replication) + " " + level + " domains wanted; " +
                 std::to_string(idx.accepting_domains(rule.level).size()) +
                 " domains accept replicas";
  }
  return out;
}

}  // namespace detail

result<placement_result> place_replicas(const std::vector<node_info>& nodes, uint32_t replication,
                                        const placement_rule& rule,
                                        const std::vector<node_id>& existing) {
  if (auto s = check_replication(replication); !s) return std::move(s).error();
  if (auto s = detail::node_index::validate(nodes); !s) return std::move(s).error();
  detail::node_index idx(nodes);
  if (idx.accepting_count() == 0) {
    return make_error(errc::unavailable, "no node accepts replicas");
  }
  return detail::choose(idx, replication, rule, existing);
}

}  // namespace ropekv::placement
