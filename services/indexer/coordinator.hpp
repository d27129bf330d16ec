#pragma once
// coordinator: the actor an indexer publishes (DESIGN §7).
//
// Towards placement: registers (RegisterIndexer with itself as the rope
// subscriber; id 0 asks for one, later registrations keep it), heartbeats
// every indexer_options.heartbeat with the last progress report of each
// index it holds, and registers again when placement forgot it.
// From placement: RopeUpdates whose `indexes` name, per index, the
// indexers holding a replica. The coordinator runs one index_builder per
// index assigned here, and tells a builder to delete its file when its
// index is dropped or moved away.
// From routers: pb::IndexQueryRequest, delegated to the index's builder
// (not_found when the index is not held here).
//
// Messages: net::indexer_actor's, plus (listen_atom, "host:port") once
// published, (tick_atom) its timer, pb::IndexReport from builders.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>
#include <optional>
#include <string>

#include "indexer_shared.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::indexer {

struct coordinator_config {
  std::string placement_address;
  std::optional<net::placement_actor> placement_handle;  // in-process (ropekv-dev)
};

caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<indexer_shared> shared,
                             coordinator_config config);

}  // namespace ropekv::indexer
