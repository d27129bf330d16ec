#pragma once
// How tables sit on placement's rope (DESIGN §3). Pure functions over
// immutable rope versions; placement_state applies what they return.
//
// The rope must cover the whole keyspace, but only tables' key ranges are
// owned by replica groups. The rest is covered by *gap segments*: segments
// with no replicas. A router that routes a key to a gap answers not_found
// (no such table); owners never host gaps. Table t owns exactly
// [keys::table_prefix(t), keys::table_prefix(t + 1)) ("" = +infinity for the
// largest id). Invariants kept by every delta returned here: a table's
// segments cover its range exactly; every segment with replicas lies inside
// one table's range; adjacent gaps are merged on drop (not on create, where
// the gap is only cut).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/rope/rope.hpp"
#include "ropekv/rope/rope_delta.hpp"

namespace ropekv::placement_service {

/// A source of fresh segment ids (the catalog's allocator: never reused).
using id_source = std::function<result<segment_id>()>;

struct key_range {
  std::string begin;  // inclusive
  std::string end;    // exclusive, "" = +infinity
};

inline bool is_gap(const rope::segment& s) { return s.replicas.empty(); }

/// The key range table `table` owns.
key_range table_range(uint32_t table);

/// The table whose range holds the segment's start key; nullopt for a key
/// shorter than a table prefix (only the first gap can start there).
std::optional<uint32_t> table_of(const rope::segment& s);

/// The non-gap segments inside the table's range, in key order.
std::vector<rope::segment> table_segments(const rope::rope& r, uint32_t table);

/// Replaces the gap that covers the table's range by `segments` (which must
/// cover that range exactly, in key order); what is left of the gap on
/// either side becomes new gaps with ids from `next_id`. errc::internal when
/// the range is not inside one gap (a table id used twice).
result<rope::rope_delta> carve_table(const rope::rope& r, uint32_t table,
                                     const std::vector<rope::segment>& segments,
                                     const id_source& next_id);

/// Removes the table's segments and covers its range with one gap, merged
/// with the gaps next to it. An empty delta when the table has no segments.
result<rope::rope_delta> clear_table(const rope::rope& r, uint32_t table,
                                     const id_source& next_id);

/// The next version of `r`: `d` applied, numbered r.version() + 1 (one
/// logical change, one version, whatever the number of segments touched).
result<rope::rope> next_version(const rope::rope& r, rope::rope_delta d);

}  // namespace ropekv::placement_service
