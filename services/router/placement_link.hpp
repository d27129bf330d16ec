#pragma once
// placement_link: the router's one connection to placement.
//
// Owns: the placement handle (connected asynchronously through the
// middleman from "host:port", reconnected every placement_retry while
// placement is away), the rope subscription, and the refresh requests
// waiting for a newer rope. It is the ONLY writer of router_shared::routes.
//
// Protocol with placement (services/placement/placement_actor.hpp):
// (subscribe_atom, self) answers with the full rope, then every change is
// pushed here as a RopeUpdate. An update that does not start at our
// version means one was missed: subscribe again (the notifiers and hooks
// the updates carry are not the router's business). Admin calls (tables,
// hooks, indexes, cluster) are delegated to placement unchanged; while placement is away
// they answer `unavailable` and routing goes on from the cached rope.
//
// Refresh: (update_atom, seen_version) answers with the rope version once
// it is newer than seen_version, or after one fresh subscribe round trip
// (placement may not know better yet: the caller backs off and retries).
// Refresh round trips are at least min_refresh_interval apart; concurrent
// refreshes share one.
#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <optional>
#include <string>

#include "ropekv/net/actor_interfaces.hpp"
#include "router_shared.hpp"

namespace ropekv::router {

using placement_link_actor = caf::typed_actor<
    caf::reacts_to<pb::RopeUpdate>,
    caf::replies_to<caf::update_atom, uint64_t>::with<uint64_t>,
    caf::replies_to<pb::CreateTableRequest>::with<pb::TableReply>,
    caf::replies_to<tables_atom>::with<pb::TablesReply>,
    caf::replies_to<tables_atom, std::string>::with<pb::TableReply>,
    caf::replies_to<drop_atom, std::string>::with<pb::TableReply>,
    caf::replies_to<cluster_atom>::with<pb::ClusterReply>,
    caf::replies_to<pb::PutHookRequest>::with<pb::HookReply>,
    caf::replies_to<pb::SplitSegmentRequest>::with<pb::SplitSegmentReply>,
    caf::replies_to<pb::DrainNodeRequest>::with<pb::DrainNodeReply>,
    caf::replies_to<pb::CreateTokenRequest>::with<pb::TokenReply>,
    caf::replies_to<pb::ListTokensRequest>::with<pb::TokensReply>,
    caf::replies_to<pb::RevokeTokenRequest>::with<pb::TokenReply>,
    caf::replies_to<hooks_atom>::with<pb::HooksReply>,
    caf::replies_to<hooks_atom, std::string>::with<pb::HookReply>,
    caf::replies_to<hooks_atom, drop_atom, std::string>::with<pb::HookReply>,
    caf::replies_to<pb::PutIndexRequest>::with<pb::IndexReply>,
    caf::replies_to<indexes_atom, std::string>::with<pb::IndexesReply>,
    caf::replies_to<indexes_atom, std::string, std::string>::with<pb::IndexReply>,
    caf::replies_to<indexes_atom, drop_atom, std::string, std::string>::with<pb::IndexReply>,
    caf::reacts_to<tick_atom>,         // reconnect timer
    caf::reacts_to<caf::flush_atom>>;  // a refresh deferred by min_refresh_interval

struct placement_link_config {
  std::string address;                     // "host:port[,host:port...]": the placement instances
  std::optional<net::placement_actor> handle;  // instead of address (in-process)
};

placement_link_actor spawn_placement_link(caf::actor_system& sys,
                                          std::shared_ptr<router_shared> shared,
                                          placement_link_config config);

}  // namespace ropekv::router
