#pragma once
// Rule checks for one replica set (DESIGN §6), used by tests, by the planners
// in this library before they emit a move, and by the placement service to
// referee moves that owners ask for.
//
// Hard rules, never broken by anything this library returns:
//   * every replica is a known node, at most once;
//   * no two replicas share host+numa (slot_key);
//   * with shortage_policy::fewer_replicas, no two replicas share a domain at
//     rule.level. With shortage_policy::share_domains, sharing is allowed only
//     while unavoidable: the replicas span min(size, domains available) domains.
// Not a rule violation but a health condition (see segment_health): dead
// replicas, fewer replicas than the replication factor, fewer domains than
// replicas wanted (under-protected). Repair fixes those.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"
#include "ropekv/placement/segment.hpp"

namespace ropekv::placement {

enum class violation_kind : uint8_t {
  unknown_node,
  duplicate_replica,
  shared_host_numa,
  shared_domain,
};

struct violation {
  violation_kind kind;
  node_id first;   // the two replicas involved (equal for unknown_node)
  node_id second;
  std::string reason;
};

/// Every hard-rule violation of `replicas`; empty means legal.
std::vector<violation> check_rules(const std::vector<node_id>& replicas,
                                   const std::vector<node_info>& nodes,
                                   const placement_rule& rule);

struct segment_health {
  uint32_t alive_replicas = 0;   // on alive nodes (draining counts as alive)
  uint32_t usable_replicas = 0;  // alive and not draining
  uint32_t domains = 0;          // distinct domains among usable replicas
  bool under_replicated = false; // usable_replicas < replication
  bool under_protected = false;  // domains < replication
  bool quorum_lost = false;      // alive_replicas is not a majority of replicas
};

segment_health assess(const segment_state& segment,
                      const std::vector<node_info>& nodes,
                      const placement_rule& rule);

/// Referee for a move an owner asks for (or a planner proposes). Ok, or:
///   errc::invalid_argument  the move does not fit the segment (from is not a
///                           replica, to already is, neither is set, ...);
///   errc::condition_failed  the result would break a rule, lose protection,
///                           go below the replication factor, or the target
///                           cannot take replicas (dead, draining, unknown);
///   errc::unavailable       a move is already in flight for the segment, or
///                           a node is at max_moves_per_node: retry later.
status approve_move(const segment_state& segment, const move& m,
                    const std::vector<node_info>& nodes,
                    const placement_rule& rule, uint32_t max_moves_per_node);

std::string_view to_string(violation_kind kind) noexcept;

}  // namespace ropekv::placement
