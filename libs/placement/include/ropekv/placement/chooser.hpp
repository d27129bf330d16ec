#pragma once
// Chooses the replica set of one segment (DESIGN §6).
//
// Choice is hierarchical, as CRUSH does it: first the failure domain, then
// the node inside it. A domain's score is its replica count after taking one
// more, divided by its weight (the sum of its nodes' weights); a node's score
// is the same at node level. Ties go to the lower bytes/capacity, then to the
// lower node id, so the answer is a pure function of the inputs. Scoring the
// count *after* the pick makes a domain of two nodes take a replica as often
// as two domains of one node, which keeps initial layouts even when racks
// have different sizes.
//
// Weight: capacity_bytes when every node that accepts replicas reports one;
// otherwise every node weighs 1.
//
// Shortage (fewer domains than replicas), relaxation is exactly:
//   fewer_replicas  returns fewer replicas than asked, one per domain;
//   share_domains   adds the rest in used domains (fewest replicas first),
//                   never on a host+numa already used.
// Both set under_protected and say why; the repair planner retries later.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement {

struct placement_result {
  std::vector<node_id> replicas;  // kept existing replicas first, then new
  bool under_protected = false;   // fewer than `replication` domains
  std::string reason;             // empty unless under_protected
};

/// Replica set for one segment of `replication` replicas.
///
/// `existing` are the segment's current replicas, kept in their order while
/// they can take replicas (alive, not draining) and obey the hard rules
/// against the ones kept before them; the rest are dropped, and at most
/// `replication` are kept. New replicas go only to nodes that accept them.
/// (With share_domains, sharing a domain is no reason to drop an existing
/// replica; repair_plan moves such replicas once a new domain appears.)
///
/// Errors: errc::invalid_argument (replication not 1/3/5, duplicate node
/// ids), errc::unavailable (no node accepts replicas).
result<placement_result> place_replicas(const std::vector<node_info>& nodes,
                                        uint32_t replication,
                                        const placement_rule& rule,
                                        const std::vector<node_id>& existing = {});

}  // namespace ropekv::placement
