#pragma once
// Leader spread (DESIGN §6: "the cheap action first: leader transfer"):
// which segments should change leader so that every node that accepts
// replicas leads about its fair share of segments.
//
// Fair share = leaders / nodes that accept replicas (unweighted: a leader
// costs CPU and network, not disk). A node above ceil(share * (1 + band))
// hands segments it leads to other replicas of them that accept replicas
// and lead at least two fewer; a node within the band but above ceil(share)
// hands only to one below floor(share). The target is the replica leading
// fewest (ties: lowest segment id, then node id). Every transfer strictly lowers
// sum(leaders_i^2), so repeated rounds converge and never ping-pong.
// Leaders on draining or dead nodes are not moved here: a drain's membership
// change transfers leadership first, and a dead leader is replaced by
// election. Each node takes part in at most max_per_node transfers per round.
#include <cstdint>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement {

struct led_segment {
  segment_id id;
  std::vector<node_id> replicas;
  node_id leader;       // 0: unknown (left alone)
  bool busy = false;    // a move or a recent transfer: left alone
};

struct leader_transfer {
  segment_id segment;
  node_id from;
  node_id to;
};

struct leader_options {
  double band = 0.10;
  uint32_t max_per_node = 2;
};

/// Deterministic; never names a target that does not accept replicas or is
/// not already a replica of the segment.
std::vector<leader_transfer> leader_plan(const std::vector<node_info>& nodes,
                                         const std::vector<led_segment>& segments,
                                         const leader_options& options = {});

}  // namespace ropekv::placement
