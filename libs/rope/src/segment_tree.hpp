#pragma once
// The persistent, measured AVL tree under rope (internal).
//
// Owns: nothing mutable. A node never changes after construction; an edit
// returns a new root that shares every node off its path with the old one
// (path copying), so it allocates O(log n) nodes.
// Who touches it: rope.cpp, rope_queries.cpp and rope_delta.cpp only.
// Invariants: in-order = key order of segments by start; starts unique;
// |height(left) - height(right)| <= 1; count, height, sum, max_bytes and
// min_bytes describe the node's subtree exactly.
//
// AVL rather than a treap or weight-balanced tree: its height bound
// (1.44 log2 n) is deterministic, which keeps the per-edit allocation bound
// a hard number that tests can check.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "ropekv/rope/segment.hpp"

namespace ropekv::rope::detail {

struct tree_node;
using tree_ptr = std::shared_ptr<const tree_node>;
using segment_ptr = std::shared_ptr<const segment>;

struct tree_node {
  tree_ptr left;
  tree_ptr right;
  segment_ptr seg;
  segment_stats sum;       // over the subtree: range aggregates in O(log n)
  uint64_t max_bytes = 0;  // largest seg bytes in the subtree: oversized()
  uint64_t min_bytes = 0;  // smallest: undersized_pairs()
  size_t count = 0;        // segments in the subtree: ranks
  int height = 0;
};

inline size_t count_of(const tree_node* t) noexcept { return t ? t->count : 0; }

/// New segment record (counted as a node).
segment_ptr make_segment(segment seg);

/// Balanced tree over `sorted` (strictly increasing starts). O(n).
tree_ptr build(const std::vector<segment_ptr>& sorted);

/// Last segment with start <= key, or nullptr.
const segment* floor_of(const tree_node* t, std::string_view key) noexcept;
/// Number of segments with start < key (le: start <= key).
size_t count_less(const tree_node* t, std::string_view key) noexcept;
size_t count_less_equal(const tree_node* t, std::string_view key) noexcept;
/// Segment at position `rank` (< count_of(t)).
const segment& at_rank(const tree_node* t, size_t rank) noexcept;

/// t plus seg. Precondition: no segment of t starts at seg->start.
tree_ptr insert(const tree_ptr& t, segment_ptr seg);
/// t minus the segment starting at `start`. Precondition: it exists.
tree_ptr erase(const tree_ptr& t, std::string_view start);
/// t with the segment starting at seg->start replaced by seg. Precondition:
/// it exists. No rebalancing: the shape does not change.
tree_ptr replace(const tree_ptr& t, segment_ptr seg);
/// Split in one pass: replaces the segment starting at left->start by left
/// and inserts right (its successor) below it. One path: at most about
/// height + 2 new nodes, instead of two paths for replace() + insert().
tree_ptr replace_and_insert_after(const tree_ptr& t, segment_ptr left, segment_ptr right);

/// Sum over positions [lo, hi) of the subtree. O(log n): the range splits
/// into O(log n) whole subtrees whose sums are cached.
segment_stats range_sum(const tree_node* t, size_t lo, size_t hi) noexcept;

/// In-order visit.
template <class F>
void visit(const tree_node* t, F& fn) {
  while (t) {
    visit(t->left.get(), fn);
    fn(*t->seg);
    t = t->right.get();
  }
}

/// In-order visit of the segments with bytes > limit, skipping subtrees
/// that cannot hold one.
template <class F>
void visit_larger(const tree_node* t, uint64_t limit, F& fn) {
  if (!t || t->max_bytes <= limit) return;
  visit_larger(t->left.get(), limit, fn);
  if (t->seg->stats.bytes > limit) fn(*t->seg);
  visit_larger(t->right.get(), limit, fn);
}

/// In-order visit of (rank, segment) with bytes < limit, skipping subtrees
/// that cannot hold one. `base` is the rank of t's first segment.
template <class F>
void visit_smaller(const tree_node* t, uint64_t limit, size_t base, F& fn) {
  if (!t || t->min_bytes >= limit) return;
  visit_smaller(t->left.get(), limit, base, fn);
  size_t rank = base + count_of(t->left.get());
  if (t->seg->stats.bytes < limit) fn(rank, *t->seg);
  visit_smaller(t->right.get(), limit, rank + 1, fn);
}

}  // namespace ropekv::rope::detail
