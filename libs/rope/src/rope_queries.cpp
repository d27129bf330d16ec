// rope: lookups, aggregates and the size queries placement balances by.
#include <cassert>

#include "id_trie.hpp"
#include "ropekv/rope/rope.hpp"
#include "segment_tree.hpp"

namespace ropekv::rope {

const segment& rope::get_segment(std::string_view key) const {
  assert(!empty());
  // The first segment starts at "", so every key has a floor.
  return *detail::floor_of(tree_.get(), key);
}

const segment* rope::find(segment_id id) const { return detail::id_find(ids_.get(), id); }

size_t rope::rank_of(std::string_view key) const {
  assert(!empty());
  return detail::count_less_equal(tree_.get(), key) - 1;
}

const segment& rope::at(size_t rank) const { return detail::at_rank(tree_.get(), rank); }

void rope::for_each(const std::function<void(const segment&)>& fn) const {
  detail::visit(tree_.get(), fn);
}

std::vector<segment> rope::segments() const {
  std::vector<segment> out;
  out.reserve(size());
  auto push = [&out](const segment& s) { out.push_back(s); };
  detail::visit(tree_.get(), push);
  return out;
}

segment_stats rope::total() const { return tree_ ? tree_->sum : segment_stats{}; }

segment_stats rope::aggregate(std::string_view from_key, std::string_view to_key) const {
  if (empty() || (!to_key.empty() && from_key >= to_key)) return {};
  // Segments intersecting [from, to): the one holding `from` and those after
  // it, up to the last that starts before `to`.
  size_t first = rank_of(from_key);
  size_t last = to_key.empty() ? size() : detail::count_less(tree_.get(), to_key);
  return detail::range_sum(tree_.get(), first, last);
}

segment_stats rope::aggregate_ranks(size_t first, size_t last) const {
  return detail::range_sum(tree_.get(), first, std::min(last, size()));
}

std::vector<segment> rope::oversized(uint64_t max_bytes) const {
  std::vector<segment> out;
  auto push = [&out](const segment& s) { out.push_back(s); };
  detail::visit_larger(tree_.get(), max_bytes, push);
  return out;
}

std::vector<std::pair<segment, segment>> rope::undersized_pairs(uint64_t min_bytes) const {
  std::vector<std::pair<segment, segment>> out;
  // Undersized segments arrive in key order with their ranks; two with
  // consecutive ranks are neighbours.
  const segment* prev = nullptr;
  size_t prev_rank = 0;
  auto pair_up = [&](size_t rank, const segment& s) {
    if (prev && prev_rank + 1 == rank) out.emplace_back(*prev, s);
    prev = &s;
    prev_rank = rank;
  };
  detail::visit_smaller(tree_.get(), min_bytes, 0, pair_up);
  return out;
}

}  // namespace ropekv::rope
