#pragma once
// placement_metrics: placement's Prometheus series and ops HTTP endpoint
// (net::ops_endpoint: /healthz, /readyz, /metrics on --metrics-port).
//
//   ropekv_placement_rope_version           current rope version
//   ropekv_placement_nodes{state}           registered segment-owners, up|down
//   ropekv_placement_segments               segments holding a table's keys
//   ropekv_placement_unhealthy_segments{problem}  under_protected,
//                                           quorum_lost, under_replicated
//   ropekv_placement_moves_in_flight        replica moves in flight (always
//                                           0 until moves exist)
//   ropekv_placement_tables                 tables
//   ropekv_placement_polls_total{result}    polls of the placement actor
//                                           (ok|failed)
//
// A poller actor asks the placement actor (cluster_atom, tables_atom) every
// `interval` -- the public protocol, so the placement actor itself knows
// nothing of metrics -- and keeps the last answers; scrapes read them.
// Ready (GET /readyz 200): the placement actor answered a poll within the
// last 5 s (the catalog is open and the actor serves requests).
//
// Threads: start()/stop() from main; the poller on CAF's scheduler; scrapes
// on the endpoint's I/O thread (the snapshot is behind a mutex).
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/net/metrics_registry.hpp"
#include "ropekv/net/ops_endpoint.hpp"

namespace ropekv::placement_service {

class placement_metrics {
 public:
  placement_metrics();
  ~placement_metrics();  // stop()

  /// Starts polling `placement` every `interval`.
  void start(caf::actor_system& sys, net::placement_actor placement,
             std::chrono::milliseconds interval = std::chrono::seconds(1));
  /// Serves /healthz, /readyz, /metrics on host:port (0: the OS picks one).
  status serve(const std::string& host, uint16_t port);
  uint16_t port() const noexcept;
  /// Stops the endpoint and the poller. Idempotent.
  void stop();

  net::readiness ready() const;
  const net::metrics_registry& registry() const noexcept { return registry_; }

  struct snapshot;

 private:
  std::shared_ptr<snapshot> snap_;
  net::metrics_registry registry_;
  caf::actor poller_;
  std::unique_ptr<net::ops_endpoint> http_;
};

}  // namespace ropekv::placement_service
