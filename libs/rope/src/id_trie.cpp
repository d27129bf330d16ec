#include "id_trie.hpp"

#include <bit>
#include <cassert>

#include "node_count.hpp"

namespace ropekv::rope::detail {
namespace {

constexpr unsigned bits_per_level = 5;

// splitmix64's finalizer: a bijection, so sequential ids spread evenly and
// distinct ids keep distinct hashes.
uint64_t mix(uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint32_t bit_at(uint64_t hash, unsigned level) noexcept {
  return uint32_t{1} << ((hash >> (bits_per_level * level)) & 31);
}

size_t slot_index(const id_node& n, uint32_t bit) noexcept {
  return static_cast<size_t>(std::popcount(n.bitmap & (bit - 1)));
}

std::shared_ptr<id_node> copy_of(const id_node* n) {
  count_node();
  return n ? std::make_shared<id_node>(*n) : std::make_shared<id_node>();
}

id_ptr insert_at(const id_node* n, uint64_t hash, unsigned level, segment_ptr seg) {
  assert(level * bits_per_level < 64);
  uint32_t bit = bit_at(hash, level);
  auto out = copy_of(n);
  size_t i = slot_index(*out, bit);
  if (!(out->bitmap & bit)) {
    out->bitmap |= bit;
    out->slots.insert(out->slots.begin() + static_cast<ptrdiff_t>(i), id_slot{nullptr, std::move(seg)});
    return out;
  }
  id_slot& slot = out->slots[i];
  if (slot.child) {
    slot.child = insert_at(slot.child.get(), hash, level + 1, std::move(seg));
  } else if (slot.leaf->id == seg->id) {
    slot.leaf = std::move(seg);
  } else {
    // Two ids share this chunk: push the resident one a level down.
    uint64_t resident_hash = mix(slot.leaf->id.value);
    id_ptr pushed = insert_at(nullptr, resident_hash, level + 1, std::move(slot.leaf));
    slot.child = insert_at(pushed.get(), hash, level + 1, std::move(seg));
  }
  return out;
}

// Returns the node without `id`, or nullptr when nothing is left.
id_ptr erase_at(const id_node& n, uint64_t hash, unsigned level, segment_id id) {
  uint32_t bit = bit_at(hash, level);
  assert(n.bitmap & bit);
  auto out = copy_of(&n);
  size_t i = slot_index(*out, bit);
  id_slot& slot = out->slots[i];
  id_ptr child;
  if (slot.child) child = erase_at(*slot.child, hash, level + 1, id);
  assert(slot.child || slot.leaf->id == id);
  if (child && child->slots.size() == 1 && child->slots[0].leaf) {
    slot = id_slot{nullptr, child->slots[0].leaf};  // pull a lone leaf up
  } else if (child) {
    slot.child = std::move(child);
  } else {
    out->bitmap &= ~bit;
    out->slots.erase(out->slots.begin() + static_cast<ptrdiff_t>(i));
  }
  if (out->slots.empty()) return nullptr;
  return out;
}

}  // namespace

const segment* id_find(const id_node* n, segment_id id) noexcept {
  uint64_t hash = mix(id.value);
  for (unsigned level = 0; n; ++level) {
    uint32_t bit = bit_at(hash, level);
    if (!(n->bitmap & bit)) return nullptr;
    const id_slot& slot = n->slots[slot_index(*n, bit)];
    if (!slot.child) return slot.leaf->id == id ? slot.leaf.get() : nullptr;
    n = slot.child.get();
  }
  return nullptr;
}

id_ptr id_insert(const id_ptr& root, segment_ptr seg) {
  uint64_t hash = mix(seg->id.value);
  return insert_at(root.get(), hash, 0, std::move(seg));
}

id_ptr id_erase(const id_ptr& root, segment_id id) {
  assert(root);
  return erase_at(*root, mix(id.value), 0, id);
}

}  // namespace ropekv::rope::detail
