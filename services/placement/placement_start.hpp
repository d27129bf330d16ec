#pragma once
// start_placement / stop_placement: the wiring of one placement service on
// an actor system -- open the catalog, spawn the actor, publish it -- shared
// by ropekv-placement (main.cpp) and the embedded mode (services/dev).
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "placement_options.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::placement_service {

struct placement_start_options {
  /// Holds placement.db; created if missing.
  std::string data_dir;
  /// Where the actor is published; port 0: the OS picks one.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  placement_options options;
};

/// A running placement actor and the port it is published on.
struct placement_endpoint {
  net::placement_actor actor;
  uint16_t port = 0;
};

/// Opens (or creates) the catalog, spawns the detached placement actor and
/// publishes it. On failure nothing is left running.
result<placement_endpoint> start_placement(caf::actor_system& sys, const placement_start_options& options);

/// Stops the actor and waits until it is gone (its on_exit closes the
/// catalog, so every acknowledged change is on disk). false after `limit`.
bool stop_placement(caf::actor_system& sys, const net::placement_actor& actor,
                    std::chrono::seconds limit = std::chrono::seconds(10));

}  // namespace ropekv::placement_service
