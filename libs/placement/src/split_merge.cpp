#include <algorithm>

#include "node_index.hpp"
#include "rules_detail.hpp"
#include "ropekv/placement/split_merge.hpp"

namespace ropekv::placement {
namespace {

double ops(const segment_stats& s) { return s.reads_per_s + s.writes_per_s; }

bool contains(const std::vector<node_id>& v, node_id id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// A replica set a merged segment may live on: legal, full, all usable.
bool good_target(const segment_state& s, const detail::node_index& idx,
                 const placement_rule& rule) {
  segment_health h = detail::assess(s.replicas, s.replication, idx, rule);
  return s.replicas.size() == s.replication && h.usable_replicas == s.replication &&
         detail::check_rules(s.replicas, idx, rule).empty();
}

// Moves that put `mover` onto `target`'s replicas, pairing replicas of the
// same domain so no step breaks a rule; nullopt if some step would.
std::optional<std::vector<move>> co_locate(const segment_state& mover,
                                           const std::vector<node_id>& target,
                                           const detail::node_index& idx,
                                           const placement_rule& rule) {
  std::vector<node_id> from, to;
  for (node_id id : mover.replicas) {
    if (!contains(target, id)) from.push_back(id);
  }
  for (node_id id : target) {
    if (!contains(mover.replicas, id)) to.push_back(id);
  }
  auto dom = [&](node_id id) {
    const node_info* n = idx.find(id);
    return n == nullptr ? std::string() : idx.domain(*n, rule.level);
  };
  // Reorder `from` so from[k] shares a domain with to[k] where possible.
  for (size_t k = 0; k < to.size() && k < from.size(); ++k) {
    auto it = std::find_if(from.begin() + static_cast<long>(k), from.end(),
                           [&](node_id f) { return dom(f) == dom(to[k]); });
    if (it != from.end()) std::iter_swap(from.begin() + static_cast<long>(k), it);
  }
  std::vector<move> out;
  segment_state cur = mover;
  for (size_t k = 0; k < std::max(from.size(), to.size()); ++k) {
    move m{mover.id, std::nullopt, std::nullopt, "co-locate for merge"};
    if (k < from.size()) m.from = from[k];
    if (k < to.size()) m.to = to[k];
    if (detail::move_problem(cur, m, idx, rule)) return std::nullopt;
    cur.replicas = detail::apply_move(cur.replicas, m);
    out.push_back(std::move(m));
  }
  return out;
}

std::optional<merge_candidate> try_pair(const segment_state& a, const segment_state& b,
                                        const detail::node_index& idx,
                                        const placement_rule& rule, const segment_limits& lim) {
  uint64_t bytes = a.stats.bytes + b.stats.bytes;
  if (a.table != b.table || a.replication != b.replication || a.moving || b.moving) return {};
  if (bytes >= lim.merge_below_bytes || ops(a.stats) + ops(b.stats) >= lim.hot_ops_per_s / 2) {
    return {};
  }
  // Keep the larger segment where it is; move the smaller one onto it.
  const segment_state* keep = a.stats.bytes >= b.stats.bytes ? &a : &b;
  const segment_state* other = keep == &a ? &b : &a;
  for (int attempt = 0; attempt < 2; ++attempt, std::swap(keep, other)) {
    if (!good_target(*keep, idx, rule)) continue;
    auto hk = detail::assess(keep->replicas, keep->replication, idx, rule);
    auto ho = detail::assess(other->replicas, other->replication, idx, rule);
    if (hk.domains < ho.domains) continue;  // merging must not lose protection
    auto moves = co_locate(*other, keep->replicas, idx, rule);
    if (!moves) continue;
    return merge_candidate{a.id, b.id, bytes, keep->replicas, std::move(*moves)};
  }
  return {};
}

}  // namespace

split_reason should_split(const segment_stats& stats, const segment_limits& limits) {
  if (stats.items < 2) return split_reason::none;
  if (stats.bytes > limits.max_bytes) return split_reason::too_large;
  if (ops(stats) > limits.hot_ops_per_s) return split_reason::too_hot;
  return split_reason::none;
}

std::vector<merge_candidate> merge_candidates(const std::vector<segment_state>& segments,
                                              const std::vector<node_info>& nodes,
                                              const placement_rule& rule,
                                              const segment_limits& limits) {
  detail::node_index idx(nodes);
  std::vector<merge_candidate> out;
  for (size_t i = 0; i + 1 < segments.size();) {
    if (auto c = try_pair(segments[i], segments[i + 1], idx, rule, limits)) {
      out.push_back(std::move(*c));
      i += 2;
    } else {
      i += 1;
    }
  }
  return out;
}

std::string_view to_string(split_reason reason) noexcept {
  switch (reason) {
    case split_reason::none: return "none";
    case split_reason::too_large: return "too_large";
    case split_reason::too_hot: return "too_hot";
  }
  return "unknown";
}

}  // namespace ropekv::placement
