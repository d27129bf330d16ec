#pragma once
// placement_front: the actor each placement instance publishes (clients
// see a net::placement_actor). It holds no placement state; it routes.
//
//   * Every request, whatever its type, goes to the placement_server of
//     the instance that leads the group: to the local one when this
//     instance leads, else wrapped as (forward, message) to the leader's
//     front, which hands it to its server. A forwarded message is never
//     forwarded again (no loops while views disagree). Delegation keeps
//     the original sender, so the reply goes straight back to the client.
//     While no leader is known (an election) messages wait here, up to
//     stash_limit, then fail with a caf::error (callers: unavailable).
//   * Raft envelopes (segment_id 0) from peers go to the group; the
//     group's outbound ones are delivered to the peers' fronts, connected
//     on first use.
//   * When this instance's group view becomes ready (leader, earlier terms
//     applied), it spawns the placement_server from the committed catalog
//     (placement_state::open over a replicated catalog_db); when it stops
//     leading it stops the server. A server whose catalog commit failed
//     exits; it is respawned (rebuilt from the committed catalog) while
//     this instance still leads. So only the leader runs periodic work.
//   * Subscribers (subscribe_atom) that came through this front are
//     subscribed again at the new leader when the leader changes, and the
//     full rope it answers is pushed to them; owners, notifiers and
//     indexers re-register on their next heartbeat's not_found.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "placement_group.hpp"
#include "placement_options.hpp"

namespace ropekv::placement_service {

class placement_state;

struct placement_front_config {
  std::shared_ptr<placement_group> group;
  std::string catalog_path;  // <data-dir>/placement.db
  placement_options options;
  std::chrono::milliseconds stash_limit{5000};
};

/// Spawns the front and starts the group's thread (the front delivers its
/// messages and hears its view changes).
caf::actor spawn_placement_front(caf::actor_system& sys, placement_front_config config);

}  // namespace ropekv::placement_service
