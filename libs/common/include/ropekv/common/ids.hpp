#pragma once
// Strong id types: a segment id can never be passed where a node id is meant.
#include <compare>
#include <cstdint>
#include <functional>

namespace ropekv {

template <class Tag>
struct tagged_id {
  uint64_t value = 0;
  friend auto operator<=>(const tagged_id&, const tagged_id&) = default;
};

using segment_id = tagged_id<struct segment_id_tag>;
using node_id = tagged_id<struct node_id_tag>;
using table_id = tagged_id<struct table_id_tag>;

}  // namespace ropekv

template <class Tag>
struct std::hash<ropekv::tagged_id<Tag>> {
  size_t operator()(const ropekv::tagged_id<Tag>& id) const noexcept {
    return std::hash<uint64_t>{}(id.value);
  }
};
