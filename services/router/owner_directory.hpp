#pragma once
// owner_directory: node id -> handle of that segment-owner's published
// actor (net::segment_actor), connecting on first use.
//
// Owns: the cache of handles (with the address each was reached at) and the
// connects in flight. Who touches it: request actors ask it with
// (resolve_atom, node id); nothing else. It never blocks: connections go
// through the middleman's asynchronous connect_atom, and concurrent asks
// for one node share one connect.
//
// Invariants: a cached handle is monitored and dropped when it goes down
// (owner stopped, connection lost); a node whose address in the current
// rope differs from the cached one is reconnected (it restarted elsewhere).
// A failed resolve is an error (caf::sec::cannot_connect_to_node); the
// caller's retry policy decides what next. After a failed connect, asks for
// that node fail at once for reconnect_backoff, so a node that is down
// costs one connect attempt per window, not one per retrying request.
#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

#include "ropekv/net/type_ids.hpp"
#include "router_shared.hpp"

namespace ropekv::router {

/// (resolve_atom, node id): a segment-owner by its rope address.
/// (resolve_atom, "host:port"): any service published there (indexers,
/// which are not rope nodes); cached by address, same rules.
using owner_directory_actor =
    caf::typed_actor<caf::replies_to<caf::resolve_atom, uint64_t>::with<caf::strong_actor_ptr>,
                     caf::replies_to<caf::resolve_atom, std::string>::with<caf::strong_actor_ptr>>;

owner_directory_actor spawn_owner_directory(caf::actor_system& sys,
                                            std::shared_ptr<router_shared> shared);

/// "host:port" -> (host, port); false when malformed.
bool split_address(const std::string& address, std::string& host, uint16_t& port);

}  // namespace ropekv::router
