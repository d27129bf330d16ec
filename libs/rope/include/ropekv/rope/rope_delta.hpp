#pragma once
// Differences between rope versions (DESIGN §3): placement ships deltas,
// not whole ropes, to routers, owners, indexers and notifiers.
#include <cstdint>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/rope/rope.hpp"
#include "ropekv/rope/segment.hpp"

namespace ropekv::rope {

/// What turns version `from_version` into `to_version`: drop the segments
/// `removed`, then put every segment of `upserted` in place (replacing the
/// segment with the same id, if any). Identity is the segment id.
struct rope_delta {
  uint64_t from_version = 0;
  uint64_t to_version = 0;
  std::vector<segment_id> removed;   // in `from`'s key order
  std::vector<segment> upserted;     // in `to`'s key order
  friend bool operator==(const rope_delta&, const rope_delta&) = default;
};

/// The delta from `from` to `to` (any two versions, in either direction;
/// diff(rope{}, to) is a full snapshot). Subtrees the two versions share are
/// skipped by pointer, so after k edits it costs O(k log n), not O(n).
rope_delta diff(const rope& from, const rope& to);

/// `base` with `delta` applied, numbered delta.to_version.
/// errc::invalid_argument if base.version() != delta.from_version, if a
/// removed id is unknown, or if the result would break an invariant (gap,
/// overlap, two segments at one start, a repeated id). O(k log n) for k
/// changed segments: only the boundaries next to changes are re-checked.
result<rope> apply(const rope& base, const rope_delta& delta);

}  // namespace ropekv::rope
