#pragma once
// Initial layout of a new table (DESIGN §3, §6): the table's keyspace cut at
// partition boundaries into `segments_count` segments, each with a replica
// set and a leader hint.
//
// Invariants of the result:
//   * segments[0].start == keys::table_prefix(table); each segment's end is
//     the next one's start; the last end is keys::table_prefix(table + 1), or
//     "" (meaning +infinity) for the largest table id. No gaps, no overlap.
//   * segment i holds partitions [first_partition, end_partition), with
//     65536 / segments_count partitions each (the first 65536 % n get one
//     more), boundaries at keys::partition_prefix(table, p).
//   * replicas obey the rules; replicas[0] is the leader hint.
//
// Evenness is about this table: replica and leader counts start from zero
// for the layout (ties still prefer the node with the lower bytes/capacity),
// so the table's load spreads over all nodes whatever the other tables do;
// the balancer looks after the cluster as a whole. Replicas are chosen
// greedily (chooser.hpp), then leader hints are evened out along chains of
// segments, so per-node replica and leader counts end within one of each
// other whenever the domain structure allows it.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/placement/node.hpp"

namespace ropekv::placement {

/// segments_count value meaning "choose for me": default_segments_count().
inline constexpr uint32_t auto_segments = 0;
inline constexpr uint32_t segments_per_node = 4;
/// Most segments a table may start with (each is a Raft group).
inline constexpr uint32_t max_initial_segments = 1024;

/// 4 segments per node that accepts replicas (at least 1, at most 65536):
/// every node leads a few segments of every table from the start, and each
/// segment is small enough to move quickly when the cluster grows.
uint32_t default_segments_count(const std::vector<node_info>& nodes);

struct layout_segment {
  std::string start;  // inclusive, encoded key
  std::string end;    // exclusive; "" means +infinity
  uint32_t first_partition = 0;
  uint32_t end_partition = 0;     // exclusive, up to 65536
  std::vector<node_id> replicas;  // leader hint first
  bool under_protected = false;
};

struct table_layout {
  std::vector<layout_segment> segments;  // in key order; ids come from the caller
  bool under_protected = false;          // any segment is
  std::string reason;
};

/// Errors: errc::invalid_argument (table id above 32 bits, replication not
/// 1/3/5, segments_count above 65536), errc::unavailable (no node accepts
/// replicas).
result<table_layout> initial_layout(table_id table, const std::vector<node_info>& nodes,
                                    uint32_t replication,
                                    uint32_t segments_count = auto_segments,
                                    const placement_rule& rule = {});

}  // namespace ropekv::placement
