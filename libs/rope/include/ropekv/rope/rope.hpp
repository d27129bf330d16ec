#pragma once
// The rope (DESIGN §3): the immutable, versioned, measured map from keys to
// segments. Placement makes new versions; routers, owners and indexers read
// them and keep up through deltas (rope_delta.hpp).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/rope/segment.hpp"

namespace ropekv::rope {

namespace detail {
struct tree_node;
struct id_node;
}  // namespace detail

struct rope_delta;

/// Stats of the two halves of a split, when the caller measured them.
struct split_stats {
  segment_stats left;
  segment_stats right;
};

/// One immutable, numbered version of the segment map.
///
/// Owns: shared references to immutable nodes of two persistent structures,
/// a balanced tree of segments ordered by start key whose nodes cache subtree
/// aggregates, and a hash trie from segment id to segment. An edit copies the
/// O(log n) nodes on its path and shares every other node with the version it
/// came from, so keeping old versions is cheap.
///
/// Who touches it: placement makes versions with the edit calls below; every
/// other service only reads versions and applies the deltas placement ships.
///
/// Thread safety: a version never changes, so any number of threads may read
/// or copy it without locks. Only re-assigning one `rope` object while another
/// thread reads that same object needs synchronisation.
///
/// Invariants of every non-empty version: segments sorted by start, the first
/// starts at "", each ends where the next starts, the last ends at "" (+inf);
/// so they are disjoint and cover the keyspace. Ids are unique.
class rope {
 public:
  /// The empty rope, version 0: "no rope yet". It has no segments, so only
  /// version(), size(), empty(), diff() and apply() are meaningful on it;
  /// diff(rope{}, r) is a full snapshot of r.
  rope() = default;

  /// Version 1 with one segment covering everything; `first.start` and
  /// `first.end` are ignored (both become "").
  static rope initial(segment first);

  /// A version rebuilt from stored segments (any order), e.g. from placement's
  /// SQLite file. errc::invalid_argument if they do not cover the keyspace
  /// exactly once or repeat an id. O(n log n) for the sort, O(n) for the rest.
  static result<rope> from_segments(std::vector<segment> segments, uint64_t version = 1);

  uint64_t version() const noexcept { return version_; }
  size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }

  /// Nodes (tree nodes, id-trie nodes and segment records) allocated by the
  /// edit that made this version: O(log n) for every edit, O(n) for
  /// from_segments(). Lets tests check that versions share structure.
  uint64_t nodes_created() const noexcept { return nodes_created_; }

  // ---------------------------------------------------------------- reads
  // All O(log n) unless noted. References and pointers stay valid as long as
  // any version holding the segment is alive.

  /// The segment containing `key`. Precondition: !empty().
  const segment& get_segment(std::string_view key) const;
  /// The segment with this id, or nullptr. O(log32 n) through the id trie.
  const segment* find(segment_id id) const;
  /// Position (0-based, key order) of the segment containing `key`.
  size_t rank_of(std::string_view key) const;
  /// The segment at position `rank`. Precondition: rank < size().
  const segment& at(size_t rank) const;
  /// Calls fn on every segment in key order. O(n).
  void for_each(const std::function<void(const segment&)>& fn) const;
  /// Copies of all segments in key order. O(n).
  std::vector<segment> segments() const;

  /// Sum over all segments. O(1).
  segment_stats total() const;
  /// Sum over the segments that intersect [from_key, to_key); to_key ""
  /// means +infinity. An empty range sums to zero.
  segment_stats aggregate(std::string_view from_key, std::string_view to_key) const;
  /// Sum over the segments at positions [first, last) (clamped to size()).
  segment_stats aggregate_ranks(size_t first, size_t last) const;

  /// Segments with stats.bytes > max_bytes, in key order. O(k log n) for k
  /// results: subtrees whose cached largest size is small are skipped.
  std::vector<segment> oversized(uint64_t max_bytes) const;
  /// Adjacent pairs (left, right) in which both have stats.bytes < min_bytes,
  /// in key order; pairs may overlap (a,b),(b,c): the caller picks merges.
  /// O(k log n) for k undersized segments, pruned by cached smallest size.
  std::vector<std::pair<segment, segment>> undersized_pairs(uint64_t min_bytes) const;

  // ---------------------------------------------------------------- edits
  // Each returns a new version (version() + 1); this one is unchanged.
  // errc::not_found for an unknown segment id, errc::invalid_argument for
  // anything else that would break an invariant. O(log n) each.

  /// Splits segment `id` into [start, at_key) `left_id` and [at_key, end)
  /// `right_id`. at_key must lie strictly inside; the new ids must be
  /// distinct and not in this version. Both halves get epoch + 1, the
  /// replicas and the leader hint (the group keeps serving both halves until
  /// placement moves one). Stats: `halves` when the caller measured them
  /// (the owner that splits knows), else each half gets half of every figure
  /// (left takes the odd unit): without key distribution that is the best
  /// guess, and the next load report replaces it.
  result<rope> split(segment_id id, std::string_view at_key, segment_id left_id,
                     segment_id right_id, std::optional<split_stats> halves = {}) const;

  /// Merges adjacent segments (left.end == right.start) into `merged_id`
  /// covering [left.start, right.end): epoch max(both) + 1, stats summed,
  /// replicas and leader hint from `left`. Placement co-locates both replica
  /// groups before merging, so they normally agree; when they do not, left
  /// wins and the usual rebalancing repairs the rest.
  result<rope> merge(segment_id left, segment_id right, segment_id merged_id) const;

  /// Replaces the replica set; bumps the epoch when the set of nodes changes
  /// (order alone is no membership change). A leader hint that is no longer
  /// a replica is reset to unknown. The rope stores replica sets as given:
  /// placement's rules decide which sets are legal.
  result<rope> set_replicas(segment_id id, std::vector<node_id> replicas) const;
  /// Sets the leader hint; the epoch stays (routing stays valid either way).
  result<rope> set_leader(segment_id id, node_id leader) const;
  /// Replaces the measured stats; the epoch stays.
  result<rope> set_stats(segment_id id, segment_stats stats) const;

 private:
  friend rope_delta diff(const rope& from, const rope& to);
  friend result<rope> apply(const rope& base, const rope_delta& delta);

  // The next version, with `updated` in place of the segment with its id
  // (same keys: no rebalancing, one path in each structure).
  rope with_replaced(segment updated) const;

  std::shared_ptr<const detail::tree_node> tree_;
  std::shared_ptr<const detail::id_node> ids_;
  uint64_t version_ = 0;
  uint64_t nodes_created_ = 0;
};

}  // namespace ropekv::rope
