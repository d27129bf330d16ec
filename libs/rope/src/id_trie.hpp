#pragma once
// The persistent id -> segment index under rope (internal): a hash array
// mapped trie, 32 children per level, bitmap-compressed.
//
// Owns: nothing mutable; edits path-copy like the segment tree. With n ids a
// path is about log32(n) + 1 nodes (4-5 for 100 000 segments), so the three
// id changes of a split cost ~15 nodes, where a second binary tree would
// cost ~3 * 17 and dominate the split's allocation bound.
// Who touches it: rope.cpp and rope_delta.cpp only.
// Invariants: ids are spread by a bijective 64-bit mix, so distinct ids
// differ in some 5-bit chunk and never need collision lists; a non-root node
// never holds just one leaf (erase pulls such a leaf up), so paths stay short.
#include <cstdint>
#include <memory>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "segment_tree.hpp"

namespace ropekv::rope::detail {

struct id_node;
using id_ptr = std::shared_ptr<const id_node>;

struct id_slot {
  id_ptr child;     // set for a subtrie ...
  segment_ptr leaf; // ... or for one segment, never both
};

struct id_node {
  uint32_t bitmap = 0;         // bit c set <=> chunk value c has a slot
  std::vector<id_slot> slots;  // one per set bit, in bit order
};

/// The segment with this id, or nullptr.
const segment* id_find(const id_node* root, segment_id id) noexcept;
/// root plus seg (replacing the segment with the same id, if any).
id_ptr id_insert(const id_ptr& root, segment_ptr seg);
/// root minus `id`. Precondition: present.
id_ptr id_erase(const id_ptr& root, segment_id id);

}  // namespace ropekv::rope::detail
