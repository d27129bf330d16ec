#pragma once
// What placement needs to know about a segment, and the move it may order.
//
// These are placement's own small views, filled by the placement service
// from its rope; this library does not depend on libs/rope. A move is a
// decision only: the service drives it (add the new replica, catch it up
// from a snapshot, then remove the old one) and reports it done.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"

namespace ropekv::placement {

/// Measured size and load of one segment (reported by its leader).
struct segment_stats {
  uint64_t bytes = 0;
  uint64_t items = 0;
  double reads_per_s = 0;
  double writes_per_s = 0;
};

struct segment_state {
  segment_id id;
  table_id table;                  // merges never cross tables
  std::vector<node_id> replicas;   // current members, leader hint first
  uint32_t replication = 3;        // the table's target replica count
  segment_stats stats;
  bool moving = false;             // a move is in flight: plan nothing else
};

/// Replace replica `from` by `to`. A move with only `to` adds a replica (to
/// an under-replicated segment); one with only `from` removes one (surplus).
struct move {
  segment_id segment;
  std::optional<node_id> from;
  std::optional<node_id> to;
  std::string reason;  // for logs and GET /v1/cluster
};

}  // namespace ropekv::placement
