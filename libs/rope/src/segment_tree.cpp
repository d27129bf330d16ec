#include "segment_tree.hpp"

#include <algorithm>
#include <cassert>

#include "node_count.hpp"

namespace ropekv::rope::detail {
namespace {

int height_of(const tree_node* t) noexcept { return t ? t->height : 0; }

// The only place tree nodes are made: computes the cached subtree measures.
tree_ptr make_node(tree_ptr left, segment_ptr seg, tree_ptr right) {
  count_node();
  auto n = std::make_shared<tree_node>();
  n->sum = seg->stats;
  n->max_bytes = n->min_bytes = seg->stats.bytes;
  n->count = 1;
  n->height = 1 + std::max(height_of(left.get()), height_of(right.get()));
  for (const tree_node* child : {left.get(), right.get()}) {
    if (!child) continue;
    n->sum += child->sum;
    n->max_bytes = std::max(n->max_bytes, child->max_bytes);
    n->min_bytes = std::min(n->min_bytes, child->min_bytes);
    n->count += child->count;
  }
  n->left = std::move(left);
  n->right = std::move(right);
  n->seg = std::move(seg);
  return n;
}

// Joins two AVL subtrees whose heights differ by at most 2 (what one insert
// or erase below can cause) under `seg`, rotating to restore |diff| <= 1.
tree_ptr balance(tree_ptr l, segment_ptr seg, tree_ptr r) {
  int hl = height_of(l.get());
  int hr = height_of(r.get());
  if (hl > hr + 1) {
    if (height_of(l->left.get()) >= height_of(l->right.get())) {
      return make_node(l->left, l->seg, make_node(l->right, std::move(seg), std::move(r)));
    }
    const tree_node& lr = *l->right;
    return make_node(make_node(l->left, l->seg, lr.left), lr.seg,
                     make_node(lr.right, std::move(seg), std::move(r)));
  }
  if (hr > hl + 1) {
    if (height_of(r->right.get()) >= height_of(r->left.get())) {
      return make_node(make_node(std::move(l), std::move(seg), r->left), r->seg, r->right);
    }
    const tree_node& rl = *r->left;
    return make_node(make_node(std::move(l), std::move(seg), rl.left), rl.seg,
                     make_node(rl.right, r->seg, r->right));
  }
  return make_node(std::move(l), std::move(seg), std::move(r));
}

struct popped {
  tree_ptr rest;
  segment_ptr min;
};

// Removes the first segment of a non-empty subtree.
popped pop_min(const tree_node& t) {
  if (!t.left) return {t.right, t.seg};
  popped p = pop_min(*t.left);
  return {balance(std::move(p.rest), t.seg, t.right), std::move(p.min)};
}

void build_into(const std::vector<segment_ptr>& sorted, size_t lo, size_t hi, tree_ptr& out) {
  if (lo >= hi) return;
  size_t mid = lo + (hi - lo) / 2;
  tree_ptr left, right;
  build_into(sorted, lo, mid, left);
  build_into(sorted, mid + 1, hi, right);
  out = make_node(std::move(left), sorted[mid], std::move(right));
}

}  // namespace

segment_ptr make_segment(segment seg) {
  count_node();
  return std::make_shared<const segment>(std::move(seg));
}

tree_ptr build(const std::vector<segment_ptr>& sorted) {
  tree_ptr root;
  build_into(sorted, 0, sorted.size(), root);
  return root;
}

const segment* floor_of(const tree_node* t, std::string_view key) noexcept {
  const segment* best = nullptr;
  while (t) {
    if (std::string_view(t->seg->start) <= key) {
      best = t->seg.get();
      t = t->right.get();
    } else {
      t = t->left.get();
    }
  }
  return best;
}

size_t count_less(const tree_node* t, std::string_view key) noexcept {
  size_t n = 0;
  while (t) {
    if (std::string_view(t->seg->start) < key) {
      n += count_of(t->left.get()) + 1;
      t = t->right.get();
    } else {
      t = t->left.get();
    }
  }
  return n;
}

size_t count_less_equal(const tree_node* t, std::string_view key) noexcept {
  size_t n = 0;
  while (t) {
    if (std::string_view(t->seg->start) <= key) {
      n += count_of(t->left.get()) + 1;
      t = t->right.get();
    } else {
      t = t->left.get();
    }
  }
  return n;
}

const segment& at_rank(const tree_node* t, size_t rank) noexcept {
  assert(rank < count_of(t));
  for (;;) {
    size_t lc = count_of(t->left.get());
    if (rank < lc) {
      t = t->left.get();
    } else if (rank == lc) {
      return *t->seg;
    } else {
      rank -= lc + 1;
      t = t->right.get();
    }
  }
}

tree_ptr insert(const tree_ptr& t, segment_ptr seg) {
  if (!t) return make_node(nullptr, std::move(seg), nullptr);
  assert(seg->start != t->seg->start);
  if (seg->start < t->seg->start) return balance(insert(t->left, std::move(seg)), t->seg, t->right);
  return balance(t->left, t->seg, insert(t->right, std::move(seg)));
}

tree_ptr erase(const tree_ptr& t, std::string_view start) {
  assert(t);
  if (start < t->seg->start) return balance(erase(t->left, start), t->seg, t->right);
  if (start > t->seg->start) return balance(t->left, t->seg, erase(t->right, start));
  if (!t->left) return t->right;
  if (!t->right) return t->left;
  popped p = pop_min(*t->right);
  return balance(t->left, std::move(p.min), std::move(p.rest));
}

tree_ptr replace(const tree_ptr& t, segment_ptr seg) {
  assert(t);
  if (seg->start < t->seg->start) return make_node(replace(t->left, std::move(seg)), t->seg, t->right);
  if (seg->start > t->seg->start) return make_node(t->left, t->seg, replace(t->right, std::move(seg)));
  return make_node(t->left, std::move(seg), t->right);
}

tree_ptr replace_and_insert_after(const tree_ptr& t, segment_ptr left, segment_ptr right) {
  assert(t);
  if (left->start < t->seg->start) {
    return balance(replace_and_insert_after(t->left, std::move(left), std::move(right)), t->seg,
                   t->right);
  }
  if (left->start > t->seg->start) {
    return balance(t->left, t->seg,
                   replace_and_insert_after(t->right, std::move(left), std::move(right)));
  }
  // `right` sorts after `left` and before everything in t->right.
  return balance(t->left, std::move(left), insert(t->right, std::move(right)));
}

segment_stats range_sum(const tree_node* t, size_t lo, size_t hi) noexcept {
  if (!t || lo >= hi) return {};
  if (lo == 0 && hi >= t->count) return t->sum;
  size_t lc = count_of(t->left.get());
  segment_stats s;
  if (lo < lc) s += range_sum(t->left.get(), lo, std::min(hi, lc));
  if (lo <= lc && lc < hi) s += t->seg->stats;
  if (hi > lc + 1) s += range_sum(t->right.get(), lo > lc + 1 ? lo - lc - 1 : 0, hi - lc - 1);
  return s;
}

}  // namespace ropekv::rope::detail
