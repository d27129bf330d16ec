#pragma once
// The end of a feed-reading service's cluster client (the router's client
// side it runs for itself: placement link, owner directory).
#include "owner_directory.hpp"
#include "placement_link.hpp"
#include "router_shared.hpp"

namespace ropekv::feed {

/// Stops `link` and `directory` (either may be unset), unsets them, and
/// forgets the owner handles `cluster` holds. Safe to call again.
void stop_cluster_client(router::router_shared& cluster, router::placement_link_actor& link,
                         router::owner_directory_actor& directory);

}  // namespace ropekv::feed
