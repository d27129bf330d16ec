#include "ropekv/segment/peer_directory.hpp"

namespace ropekv::segment {

void peer_directory::put(segment_id group, node_id node, net::segment_actor handle) {
  std::lock_guard lock(mu_);
  peers_[{group.value, node.value}] = std::move(handle);
}

void peer_directory::erase(segment_id group, node_id node) {
  std::lock_guard lock(mu_);
  peers_.erase({group.value, node.value});
}

std::optional<net::segment_actor> peer_directory::find(segment_id group, node_id node) const {
  std::lock_guard lock(mu_);
  auto it = peers_.find({group.value, node.value});
  if (it == peers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ropekv::segment
