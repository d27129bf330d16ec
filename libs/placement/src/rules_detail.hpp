#pragma once
// Internal: rule checks on a prebuilt node_index, shared by the planners so
// they check each candidate move exactly as approve_move() would.
#include <optional>
#include <vector>

#include "node_index.hpp"
#include "ropekv/placement/rules.hpp"

namespace ropekv::placement::detail {

std::vector<violation> check_rules(const std::vector<node_id>& replicas, const node_index& idx,
                                   const placement_rule& rule);

segment_health assess(const std::vector<node_id>& replicas, uint32_t replication,
                      const node_index& idx, const placement_rule& rule);

/// Replica list after `m` (replace in place, append, or erase).
std::vector<node_id> apply_move(const std::vector<node_id>& replicas, const move& m);

/// Why `m` is not legal for `segment` (invalid_argument or condition_failed),
/// ignoring move limits and the segment's moving flag; nullopt when legal.
std::optional<error> move_problem(const segment_state& segment, const move& m,
                                  const node_index& idx, const placement_rule& rule);

/// "node 7" — for reasons.
std::string node_name(node_id id);

}  // namespace ropekv::placement::detail
