#pragma once
// Balancing (DESIGN §6): joins and leaves shuffle replicas until every node's
// load is within a band of its fair share.
//
// Fair share of node i = total * weight_i / sum(weight) over the nodes that
// accept replicas (weight as in chooser.hpp: capacity, or 1 each). Load is
// counted from `segments` (placement's own truth), not from reports.
// Replicas on dead or draining nodes are repair's business and are ignored.
//
// A round plans moves in two phases:
//   1. replica count, while some node is outside
//      [floor(share * (1 - band)), ceil(share * (1 + band))];
//   2. bytes, while some node is outside share * (1 -/+ band) widened by
//      half the mean replica size (segments move whole), and only when
//      phase 1 has nothing to do, keeping counts in band:
//      a single move, or, where counts are at the band's edge, a swap of a
//      larger segment for a smaller one between the same two nodes.
// Every move strictly lowers sum(load_i^2 / weight_i) for the load of its
// phase, so repeated rounds terminate; every move passes the same checks as
// approve_move, so no round ever breaks a rule or loses protection.
// Each node takes part in at most max_moves_per_node moves per round (moves
// in flight count), each segment in at most one.
//
// Phase 1 prefers moving segments the source does not lead (no leader
// transfer needed) and whose size also evens out bytes.
#include <cstdint>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"
#include "ropekv/placement/segment.hpp"

namespace ropekv::placement {

struct balance_options {
  double band = 0.10;  // allowed deviation from the fair share, as a fraction
  uint32_t max_moves_per_node = 2;
};

/// A node that accepts replicas: its fair share and whether its load was
/// within the band before the planned moves (what "balanced" is made of).
struct node_share {
  node_id id;
  double fair_replicas = 0;
  double fair_bytes = 0;
  bool within_band = false;
};

struct balance_result {
  std::vector<move> moves;
  std::vector<node_share> shares;  // one per node that accepts replicas
  bool balanced = false;  // every node within the band before these moves
  bool stuck = false;     // not balanced, and no legal improving move exists
};

/// Errors: errc::invalid_argument (band negative or not finite, duplicate
/// node ids). A cluster with no node that accepts replicas is balanced.
result<balance_result> balance_plan(const std::vector<node_info>& nodes,
                                    const std::vector<segment_state>& segments,
                                    const placement_rule& rule = {},
                                    const balance_options& options = {});

}  // namespace ropekv::placement
