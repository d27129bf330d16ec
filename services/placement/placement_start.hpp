#pragma once
// start_placement / stop_placement: the wiring of one placement service on
// an actor system -- open the catalog, spawn the actor, publish it -- shared
// by ropekv-placement (main.cpp) and the embedded mode (services/dev).
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "placement_options.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/consensus/replica.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::placement_service {

struct placement_start_options {
  /// Holds placement.db; created if missing.
  std::string data_dir;
  /// Where the actor is published; port 0: the OS picks one.
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  placement_options options;
  /// The placement group (placement_group.hpp): this instance's member id
  /// and every initial member as "id@host:port" (placement_peers()). No
  /// peers: a group of one, this instance alone. `join`: a new member that
  /// waits to be added (POST /v1/placements/{id}); it bootstraps nothing.
  uint64_t id = 1;
  std::vector<consensus::member> peers;
  bool join = false;
  unsigned election_timeout_ms = 600;
};

/// A port the OS says is free on `host` now (for a group's addresses,
/// which must be known before any member starts); 0 if none.
uint16_t pick_free_port(const std::string& host);

/// Parses "--peers": "1@127.0.0.1:7001,2@127.0.0.1:7002,...".
result<std::vector<consensus::member>> placement_peers(const std::string& text);

/// A running placement actor and the port it is published on.
struct placement_endpoint {
  net::placement_actor actor;  // the front (placement_front.hpp)
  uint16_t port = 0;
};

/// Opens this instance's group member (catalog + Raft log), spawns its
/// front and publishes it; the front runs the placement actor while this
/// instance leads. On failure nothing is left running.
result<placement_endpoint> start_placement(caf::actor_system& sys, const placement_start_options& options);

/// Stops the actor and waits until it is gone (its on_exit closes the
/// catalog, so every acknowledged change is on disk). false after `limit`.
bool stop_placement(caf::actor_system& sys, const net::placement_actor& actor,
                    std::chrono::seconds limit = std::chrono::seconds(10));

}  // namespace ropekv::placement_service
