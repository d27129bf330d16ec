#include "ropekv/placement/leaders.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

namespace ropekv::placement {

std::vector<leader_transfer> leader_plan(const std::vector<node_info>& nodes,
                                         const std::vector<led_segment>& segments,
                                         const leader_options& options) {
  std::map<uint64_t, int64_t> leads;  // accepting nodes only
  for (const auto& n : nodes) {
    if (accepts_replicas(n)) leads[n.id.value] = 0;
  }
  if (leads.size() < 2) return {};
  int64_t total = 0;
  for (const auto& s : segments) {
    auto it = leads.find(s.leader.value);
    if (it == leads.end()) continue;
    ++it->second;
    ++total;
  }
  const double share = static_cast<double>(total) / static_cast<double>(leads.size());
  const auto high = static_cast<int64_t>(std::ceil(share * (1 + std::max(0.0, options.band)) - 1e-9));
  const auto fair_high = static_cast<int64_t>(std::ceil(share - 1e-9));
  const auto fair_low = static_cast<int64_t>(std::floor(share + 1e-9));
  std::map<uint64_t, uint32_t> used;  // transfers per node this round
  std::vector<leader_transfer> out;
  std::vector<bool> taken(segments.size(), false);
  // Most loaded leaders shed first; a node sheds until it is in band.
  for (bool progress = true; progress;) {
    progress = false;
    std::vector<std::pair<int64_t, uint64_t>> order;
    for (auto [id, n] : leads) {
      if (n > fair_high && used[id] < options.max_per_node) order.emplace_back(-n, id);
    }
    std::sort(order.begin(), order.end());
    for (auto [neg, from] : order) {
      // The best (segment, target) pair for this source: the target leading
      // fewest, ties broken by segment id then node id (deterministic).
      std::optional<std::tuple<int64_t, uint64_t, uint64_t, size_t>> best;
      for (size_t i = 0; i < segments.size(); ++i) {
        const auto& s = segments[i];
        if (taken[i] || s.busy || s.leader.value != from) continue;
        for (node_id r : s.replicas) {
          auto it = leads.find(r.value);
          if (r.value == from || it == leads.end() || used[r.value] >= options.max_per_node) continue;
          if (it->second + 2 > leads[from]) continue;  // must strictly lower the sum of squares
          // In band, a node sheds only to one below its fair share.
          if (leads[from] <= high && it->second >= fair_low) continue;
          auto cand = std::make_tuple(it->second, s.id.value, r.value, i);
          if (!best || cand < *best) best = cand;
        }
      }
      if (!best) continue;
      auto [to_leads, seg, to, i] = *best;
      taken[i] = true;
      --leads[from];
      ++leads[to];
      ++used[from];
      ++used[to];
      out.push_back(leader_transfer{segment_id{seg}, node_id{from}, node_id{to}});
      progress = true;
    }
  }
  return out;
}

}  // namespace ropekv::placement
