#pragma once
// Test helpers: small clusters described by labels, and segment states made
// from a layout. Node ids start at 1 and follow the order nodes are made in.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "ropekv/placement/layout.hpp"
#include "ropekv/placement/node.hpp"
#include "ropekv/placement/rules.hpp"
#include "ropekv/placement/segment.hpp"

namespace ropekv::placement::test {

inline node_id nid(uint64_t v) { return node_id{v}; }

inline std::vector<node_id> ids(std::initializer_list<uint64_t> vs) {
  std::vector<node_id> out;
  for (auto v : vs) out.push_back(node_id{v});
  return out;
}

inline node_info make_node(uint64_t id, std::string dc, std::string rack, std::string host,
                           std::string numa = "0") {
  node_info n;
  n.id = node_id{id};
  n.labels = node_labels{std::move(dc), std::move(rack), std::move(host), std::move(numa)};
  return n;
}

/// `per_rack[i]` nodes in rack "r<i>" of dc "dc1", each on its own host.
inline std::vector<node_info> racks(const std::vector<int>& per_rack) {
  std::vector<node_info> out;
  for (size_t r = 0; r < per_rack.size(); ++r) {
    for (int k = 0; k < per_rack[r]; ++k) {
      uint64_t id = out.size() + 1;
      out.push_back(make_node(id, "dc1", "r" + std::to_string(r), "h" + std::to_string(id)));
    }
  }
  return out;
}

inline node_info& by_id(std::vector<node_info>& nodes, uint64_t id) {
  return *std::find_if(nodes.begin(), nodes.end(), [&](const node_info& n) { return n.id.value == id; });
}

inline segment_state make_segment(uint64_t id, std::vector<node_id> replicas,
                                  uint32_t replication = 3, uint64_t bytes = 0) {
  segment_state s;
  s.id = segment_id{id};
  s.table = table_id{1};
  s.replicas = std::move(replicas);
  s.replication = replication;
  s.stats.bytes = bytes;
  return s;
}

/// Segments of a layout as placement would store them (ids 1..n).
inline std::vector<segment_state> to_segments(const table_layout& layout, uint32_t replication,
                                              uint64_t bytes_each = 0) {
  std::vector<segment_state> out;
  for (size_t i = 0; i < layout.segments.size(); ++i) {
    segment_state s;
    s.id = segment_id{i + 1};
    s.replicas = layout.segments[i].replicas;
    s.replication = replication;
    s.stats.bytes = bytes_each;
    s.stats.items = 100;
    out.push_back(std::move(s));
  }
  return out;
}

/// Replica (or leader, when leaders_only) count per node id.
inline std::map<uint64_t, int> per_node(const std::vector<segment_state>& segs,
                                        const std::vector<node_info>& nodes,
                                        bool leaders_only = false) {
  std::map<uint64_t, int> out;
  for (const auto& n : nodes) out[n.id.value] = 0;
  for (const auto& s : segs) {
    for (size_t i = 0; i < s.replicas.size(); ++i) {
      if (!leaders_only || i == 0) ++out[s.replicas[i].value];
    }
  }
  return out;
}

inline int spread(const std::map<uint64_t, int>& counts) {
  auto [lo, hi] = std::minmax_element(counts.begin(), counts.end(),
                                      [](auto& a, auto& b) { return a.second < b.second; });
  return hi->second - lo->second;
}

/// Applies a planned move to `segs` (the test plays the placement service).
inline void apply(std::vector<segment_state>& segs, const move& m) {
  for (auto& s : segs) {
    if (s.id != m.segment) continue;
    auto it = m.from ? std::find(s.replicas.begin(), s.replicas.end(), *m.from) : s.replicas.end();
    if (m.from && m.to) {
      *it = *m.to;
    } else if (m.to) {
      s.replicas.push_back(*m.to);
    } else {
      s.replicas.erase(it);
    }
  }
}

inline void expect_legal(const std::vector<segment_state>& segs,
                         const std::vector<node_info>& nodes, const placement_rule& rule) {
  for (const auto& s : segs) {
    auto v = check_rules(s.replicas, nodes, rule);
    EXPECT_TRUE(v.empty()) << "segment " << s.id.value << ": " << v.front().reason;
  }
}

}  // namespace ropekv::placement::test
