#pragma once
// Counts allocations of the rope's persistent structures on this thread, so
// each edit can record how many nodes it made (rope::nodes_created()).
// Thread-local because versions are built concurrently on different threads.
#include <cstdint>

namespace ropekv::rope::detail {

inline thread_local uint64_t nodes_made = 0;

inline void count_node() noexcept { ++nodes_made; }

}  // namespace ropekv::rope::detail

namespace ropekv::rope::detail {

/// Nodes made on this thread since construction: one edit's allocations.
class node_meter {
 public:
  uint64_t made() const noexcept { return nodes_made - start_; }

 private:
  uint64_t start_ = nodes_made;
};

}  // namespace ropekv::rope::detail
