#pragma once
// start_owner / stop_owner: the wiring of one segment-owner on an actor
// system -- open the data directory, spawn the owner actor, publish it and
// tell it its address -- shared by ropekv-segment-owner (main.cpp) and the
// embedded mode (services/dev).
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "owner_options.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::segment_owner {

/// A running owner actor and where it is published ("host:port", the
/// address it registers with placement).
struct owner_endpoint {
  net::owner_actor actor;
  uint16_t port = 0;
  std::string address;
};

/// Opens (or creates) `data_dir` and its saved node id, spawns the owner
/// actor and publishes it on options.host:`port` (0: the OS picks one).
/// On failure nothing is left running.
result<owner_endpoint> start_owner(caf::actor_system& sys, const owner_options& options,
                                   const std::string& data_dir, uint16_t port);

/// Stops the owner and waits until it is gone (it quits after every replica
/// actor closed its SQLite file). false after `limit`.
bool stop_owner(caf::actor_system& sys, const net::owner_actor& owner,
                std::chrono::seconds limit = std::chrono::seconds(20));

}  // namespace ropekv::segment_owner
