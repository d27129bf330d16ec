#pragma once
// One segment of the rope (DESIGN §3): a half-open interval [start, end) of
// encoded keys, the replica group that owns it and its measured size and load.
//
// Keys are byte strings compared as unsigned bytes (std::string comparison
// does exactly that). The first segment starts at "" (the smallest key); an
// empty end means +infinity and is legal only on the last segment.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/ids.hpp"

namespace ropekv::rope {

/// Measured size and load of a segment, or the sum over several. The rope's
/// tree caches this sum per subtree so any range of segments sums in O(log n).
struct segment_stats {
  uint64_t bytes = 0;
  uint64_t items = 0;
  double reads_per_s = 0;
  double writes_per_s = 0;

  segment_stats& operator+=(const segment_stats& other) noexcept {
    bytes += other.bytes;
    items += other.items;
    reads_per_s += other.reads_per_s;
    writes_per_s += other.writes_per_s;
    return *this;
  }
  friend segment_stats operator+(segment_stats a, const segment_stats& b) noexcept {
    return a += b;
  }
  friend bool operator==(const segment_stats&, const segment_stats&) = default;
};

/// A plain value; the rope keeps it immutable once inserted.
struct segment {
  segment_id id;               // never reused: a split or merge makes new ids
  std::string start;           // inclusive
  std::string end;             // exclusive; "" = +infinity (last segment only)
  uint64_t epoch = 0;          // bumped on split, merge and replica-set change
  std::vector<node_id> replicas;
  node_id leader_hint;         // {0}: unknown; a hint, so changing it keeps the epoch
  segment_stats stats;

  /// Whether `key` lies in [start, end).
  bool contains(std::string_view key) const noexcept {
    return start <= key && (end.empty() || key < end);
  }
  friend bool operator==(const segment&, const segment&) = default;
};

}  // namespace ropekv::rope
