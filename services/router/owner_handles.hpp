#pragma once
// owner_handles: the owner_directory's connected handles, readable from any
// request actor without a message round trip to the directory.
//
// Owns: node id -> (address, handle) for owners the directory has connected
// and not seen go down. Written only by the owner_directory actor (connect,
// down, address change); read by every request. A reader that misses (no
// entry, or the rope now names another address) asks the directory, which
// connects and writes the entry back. Thread-safe (a shared mutex: reads
// are many and short, writes rare).
#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

namespace ropekv::router {

class owner_handles {
 public:
  /// The handle of `node` if it was connected at `address`; null otherwise.
  caf::strong_actor_ptr find(uint64_t node, const std::string& address) const {
    std::shared_lock lock(mutex_);
    auto it = entries_.find(node);
    if (it == entries_.end() || it->second.address != address) return nullptr;
    return it->second.handle;
  }
  void put(uint64_t node, std::string address, caf::strong_actor_ptr handle) {
    std::unique_lock lock(mutex_);
    entries_[node] = entry{std::move(address), std::move(handle)};
  }
  void erase(uint64_t node) {
    std::unique_lock lock(mutex_);
    entries_.erase(node);
  }
  /// Drops every handle (the router stops: proxies must not outlive it).
  void clear() {
    std::unique_lock lock(mutex_);
    entries_.clear();
  }

 private:
  struct entry {
    std::string address;
    caf::strong_actor_ptr handle;
  };
  mutable std::shared_mutex mutex_;
  std::map<uint64_t, entry> entries_;
};

}  // namespace ropekv::router
