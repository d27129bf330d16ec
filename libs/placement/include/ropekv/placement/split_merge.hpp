#pragma once
// Segment size decisions (DESIGN §6, owner agency).
//
// Owners call should_split() on their own segments and split them
// themselves; placement calls merge_candidates() over the rope and merges
// adjacent undersized segments. Thresholds leave a gap between "merge" and
// "split" (merge only below a quarter of the split size, and below half the
// hot threshold) so a merged segment is not split again right away.
#include <cstdint>
#include <string_view>
#include <vector>

#include "ropekv/placement/node.hpp"
#include "ropekv/placement/segment.hpp"

namespace ropekv::placement {

struct segment_limits {
  uint64_t max_bytes = 64ull << 20;          // split above this size
  double hot_ops_per_s = 4000;               // split at reads/s + writes/s above this
  uint64_t merge_below_bytes = 16ull << 20;  // merge when the pair is below this
};

enum class split_reason : uint8_t { none, too_large, too_hot };

/// Whether an owner should split this segment. A segment of fewer than two
/// items cannot be split, however large or hot.
split_reason should_split(const segment_stats& stats, const segment_limits& limits = {});

struct merge_candidate {
  segment_id left;
  segment_id right;
  uint64_t bytes = 0;             // combined
  std::vector<node_id> replicas;  // the replica set the merged segment keeps
  std::vector<move> moves;        // co-locate first (empty if sets match)
};

/// Adjacent pairs of `segments` (given in rope order) that may merge: same
/// table and replication, neither moving, combined bytes below
/// merge_below_bytes, combined load below hot_ops_per_s / 2, and one of the
/// two replica sets is fully healthy (legal, all replicas usable, full count,
/// not under-protected): the other segment moves onto it, preferring to move
/// the smaller one. Pairs do not overlap; left-to-right greedy.
std::vector<merge_candidate> merge_candidates(const std::vector<segment_state>& segments,
                                              const std::vector<node_info>& nodes,
                                              const placement_rule& rule = {},
                                              const segment_limits& limits = {});

std::string_view to_string(split_reason reason) noexcept;

}  // namespace ropekv::placement
