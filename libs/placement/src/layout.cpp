#include <algorithm>
#include <cstdint>
#include <limits>
#include <tuple>

#include "chooser_detail.hpp"
#include "node_index.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/placement/layout.hpp"

namespace ropekv::placement {
namespace {

// The replica with the lowest leader load after taking one more leader.
size_t pick_leader(const std::vector<node_id>& replicas, const detail::node_index& idx) {
  size_t best = 0;
  std::tuple<double, node_id> best_score{};
  for (size_t i = 0; i < replicas.size(); ++i) {
    const node_info* n = idx.find(replicas[i]);
    std::tuple<double, node_id> s{(n->load.leaders + 1) / idx.weight(*n), n->id};
    if (i == 0 || s < best_score) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

void make_leader(layout_segment& seg, node_id id) {
  auto it = std::find(seg.replicas.begin(), seg.replicas.end(), id);
  std::rotate(seg.replicas.begin(), it, seg.replicas.end());
}

// Greedy leader picks can leave one node two leaders above another, because
// each pick only sees the replicas of its own segment. This pass moves leader
// hints along chains of segments (v is a replica of s1 led by b1, b1 of s2
// led by b2, ...): the chain's ends change by one, the middle not at all. It
// only takes chains that lower sum(leaders^2 / weight), so it terminates;
// it stops when no node can reach a better-loaded one, as in b-matching.
void even_out_leaders(std::vector<layout_segment>& segs, const detail::node_index& idx) {
  const auto& nodes = idx.nodes();
  std::vector<double> leaders(nodes.size()), weight(nodes.size());
  std::vector<std::vector<size_t>> member(nodes.size());  // segments per node
  for (size_t i = 0; i < nodes.size(); ++i) weight[i] = idx.weight(nodes[i]);
  for (size_t s = 0; s < segs.size(); ++s) {
    for (size_t r = 0; r < segs[s].replicas.size(); ++r) {
      size_t p = *idx.position(segs[s].replicas[r]);
      member[p].push_back(s);
      if (r == 0) leaders[p] += 1;
    }
  }
  auto better = [&](size_t v, size_t b) {
    return (2 * leaders[v] + 1) / weight[v] < (2 * leaders[b] - 1) / weight[b] - 1e-9;
  };
  for (bool improved = true; improved;) {
    improved = false;
    std::vector<size_t> order(nodes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::make_pair(leaders[a] / weight[a], a) < std::make_pair(leaders[b] / weight[b], b);
    });
    for (size_t v : order) {
      if (member[v].empty()) continue;
      // BFS from v; via[b] = (segment led by b, node that takes it over).
      std::vector<std::pair<size_t, size_t>> via(nodes.size(), {SIZE_MAX, SIZE_MAX});
      std::vector<size_t> queue{v};
      via[v] = {SIZE_MAX, v};
      size_t found = SIZE_MAX;
      for (size_t q = 0; q < queue.size() && found == SIZE_MAX; ++q) {
        size_t a = queue[q];
        for (size_t s : member[a]) {
          size_t b = *idx.position(segs[s].replicas.front());
          if (via[b].second != SIZE_MAX) continue;
          via[b] = {s, a};
          if (better(v, b)) {
            found = b;
            break;
          }
          queue.push_back(b);
        }
      }
      if (found == SIZE_MAX) continue;
      leaders[found] -= 1;
      leaders[v] += 1;
      for (size_t cur = found; cur != v;) {
        auto [s, a] = via[cur];
        make_leader(segs[s], nodes[a].id);
        cur = a;
      }
      improved = true;
      break;
    }
  }
}

}  // namespace

uint32_t default_segments_count(const std::vector<node_info>& nodes) {
  auto accepting = static_cast<uint64_t>(
      std::count_if(nodes.begin(), nodes.end(), [](const node_info& n) { return accepts_replicas(n); }));
  return static_cast<uint32_t>(
      std::clamp<uint64_t>(accepting * segments_per_node, 1, keys::partitions_per_table));
}

result<table_layout> initial_layout(table_id table, const std::vector<node_info>& nodes,
                                    uint32_t replication, uint32_t segments_count,
                                    const placement_rule& rule) {
  if (table.value > std::numeric_limits<uint32_t>::max()) {
    return make_error(errc::invalid_argument, "table id does not fit 32 bits");
  }
  if (auto s = check_replication(replication); !s) return std::move(s).error();
  if (segments_count > keys::partitions_per_table) {
    return make_error(errc::invalid_argument, "more segments than partitions");
  }
  if (auto s = detail::node_index::validate(nodes); !s) return std::move(s).error();

  // Counts start from zero so this table spreads evenly (see header); bytes
  // stay as reported and break ties towards emptier nodes.
  std::vector<node_info> work = nodes;
  for (auto& n : work) {
    n.load.replicas = 0;
    n.load.leaders = 0;
  }
  detail::node_index idx(work);
  if (idx.accepting_count() == 0) return make_error(errc::unavailable, "no node accepts replicas");
  uint32_t count = segments_count == auto_segments ? default_segments_count(nodes) : segments_count;

  auto t = static_cast<uint32_t>(table.value);
  auto boundary = [&](uint32_t partition) -> std::string {
    if (partition == 0) return keys::table_prefix(t);
    if (partition < keys::partitions_per_table) {
      return keys::partition_prefix(t, static_cast<uint16_t>(partition));
    }
    if (t == std::numeric_limits<uint32_t>::max()) return {};  // +infinity
    return keys::table_prefix(t + 1);
  };

  table_layout out;
  out.segments.reserve(count);
  const uint32_t total = keys::partitions_per_table;
  uint32_t first = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t end = first + total / count + (i < total % count ? 1 : 0);
    placement_result placed = detail::choose(idx, replication, rule, {});
    size_t leader = pick_leader(placed.replicas, idx);
    std::rotate(placed.replicas.begin(), placed.replicas.begin() + static_cast<long>(leader),
                placed.replicas.end());
    for (size_t r = 0; r < placed.replicas.size(); ++r) {
      node_info& n = work[*idx.position(placed.replicas[r])];
      ++n.load.replicas;
      if (r == 0) ++n.load.leaders;
    }
    if (placed.under_protected && !out.under_protected) {
      out.under_protected = true;
      out.reason = placed.reason;
    }
    out.segments.push_back(layout_segment{boundary(first), boundary(end), first, end,
                                          std::move(placed.replicas), placed.under_protected});
    first = end;
  }
  even_out_leaders(out.segments, idx);
  return out;
}

}  // namespace ropekv::placement
