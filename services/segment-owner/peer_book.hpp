#pragma once
// peer_book: where the other segment-owners are (node id -> "host:port",
// from assignments and placement's node list) and the state of this owner's
// connection to each. Decides which connects to start; the owner actor
// runs them asynchronously through the middleman and reports back.
//
// Owns: addresses, per-node connection phase and retry deadline. Who
// touches it: the owner actor (one thread). No CAF; `now` is passed in.
//
// Invariants: at most one connect in flight per node; a connect that
// completes for an address the node no longer has is discarded (the node
// restarted elsewhere); a node whose address changes is disconnected.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backoff.hpp"
#include "ropekv/common/ids.hpp"

namespace ropekv::segment_owner {

class peer_book {
 public:
  enum class phase { idle, connecting, connected };

  peer_book(std::chrono::milliseconds backoff_min, std::chrono::milliseconds backoff_max)
      : min_(backoff_min), max_(backoff_max) {}

  /// Records `node`'s address. True if it differs from the one known: a
  /// connection to the old address is stale and must be dropped (the node
  /// is marked idle and retried at once).
  bool learn(node_id node, const std::string& address);
  std::optional<std::string> address_of(node_id node) const;
  phase state(node_id node) const;

  /// Nodes of `wanted` with a known address, neither connected nor
  /// connecting, whose retry time has come; they are marked connecting.
  std::vector<std::pair<node_id, std::string>> start_due(const std::set<node_id>& wanted, time_point now);
  /// A connect to `address` succeeded. False if the node has moved on to
  /// another address meanwhile (discard the handle).
  bool connected(node_id node, const std::string& address);
  void connect_failed(node_id node, const std::string& address, time_point now);
  /// The connection went down: retry with backoff.
  void lost(node_id node, time_point now);

 private:
  struct entry {
    std::string address;
    phase state = phase::idle;
    time_point next_try{};
    backoff retry;
  };
  entry& slot(node_id node);

  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::map<uint64_t, entry> peers_;
};

}  // namespace ropekv::segment_owner
