#pragma once
// Repair planning (DESIGN §5, §6): after placement has applied down_after
// (nodes gone too long are alive=false), find the segments that need work
// and choose legal replacements.
//
// A segment needs work when a replica is on a dead, unknown or draining
// node, breaks a hard rule, is surplus to the replication factor, or when
// the segment has fewer replicas or domains than it should and a node that
// can fix it exists (e.g. a new rack joined). Only the affected replicas
// move; the others, and their order (leader hint first), stay.
//
// Moves:
//   from=X to=Y  replace X by Y (X dead, draining, or breaking a rule);
//   to=Y         add a replica (under-replicated or under-protected);
//   from=X       remove a surplus or rule-breaking replica. A dead replica is
//                removed without replacement only when the segment already
//                has its full replica count without it; a draining one never
//                is (it keeps serving until its replacement exists).
// share_domains: when a new domain appears, one replica per domain gained
// moves out of a shared domain (never the leader hint).
//
// Segments are handled most-urgent first: lost quorum, then fewest alive
// replicas, then id. Every alive node takes part in at most
// max_moves_per_node moves (in flight plus planned); a segment that could be
// repaired but for that limit is reported as deferred, not under-protected.
// A segment whose chosen repair would break a rule or lose protection
// (so no slot will ever help) is reported under-protected, not deferred.
#include <cstdint>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"
#include "ropekv/placement/segment.hpp"

namespace ropekv::placement {

struct repair_options {
  uint32_t max_moves_per_node = 2;
};

struct repair_result {
  std::vector<move> moves;
  std::vector<segment_id> under_protected;  // no legal way to full protection now
  std::vector<segment_id> deferred;         // repairable, but move limits hit
};

/// Errors: errc::invalid_argument (a segment's replication is not 1/3/5,
/// duplicate node ids), errc::unavailable (no node accepts replicas).
result<repair_result> repair_plan(const std::vector<segment_state>& segments,
                                  const std::vector<node_info>& nodes,
                                  const placement_rule& rule = {},
                                  const repair_options& options = {});

}  // namespace ropekv::placement
