#pragma once
// Where a segment actor sends Raft envelopes: (group id, node id) -> the
// actor hosting that replica. Supplied by the owner (a segment-owner
// process fills it from placement's assignments and remote_actor lookups;
// tests fill it by hand).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>

#include "ropekv/common/ids.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::segment {

/// Owns handles only. Touched by the owner (put/erase) and by every segment
/// actor of the process (find, and put for the right half of a split), from
/// their own threads: one mutex guards the map. Read-mostly and never held
/// across a send.
class peer_directory {
 public:
  void put(segment_id group, node_id node, net::segment_actor handle);
  void erase(segment_id group, node_id node);
  std::optional<net::segment_actor> find(segment_id group, node_id node) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<uint64_t, uint64_t>, net::segment_actor> peers_;
};

}  // namespace ropekv::segment
