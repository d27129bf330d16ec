#pragma once
// notifier_service: one notifier -- the WebSocket server, the gateway actor
// (published for placement and the other notifiers), the cluster view
// (placement link + owner directory, reused from the router) and the
// webhook delivery file -- wired together on a given actor system. main.cpp,
// ropekv-dev and the tests use it.
//
// Threads: start() and stop() from one controlling thread (not a CAF
// worker, not an I/O thread: stop() joins the WebSocket threads).
#include <caf/actor_system.hpp>

#include <memory>
#include <string>

#include "gateway.hpp"
#include "notifier_shared.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/metrics_registry.hpp"
#include "ropekv/net/ops_endpoint.hpp"

namespace ropekv::notifier {

struct notifier_service_options {
  notifier_options notifier;
  router::router_options cluster;
  notify::ws_options ws;
  std::string ws_host = "127.0.0.1";
  uint16_t ws_port = 0;          // 0: the OS picks
  uint16_t caf_port = 0;         // 0: the OS picks
  std::string placement = "127.0.0.1:7400";
  /// In-process (ropekv-dev): the placement actor itself, not an address.
  std::optional<net::placement_actor> placement_handle;
};

class notifier_service {
 public:
  notifier_service(caf::actor_system& sys, notifier_service_options options);
  ~notifier_service();  // stop()
  notifier_service(const notifier_service&) = delete;
  notifier_service& operator=(const notifier_service&) = delete;

  /// Opens the delivery file, binds WebSocket and CAF ports, registers.
  status start();
  uint16_t ws_port() const noexcept;
  uint16_t caf_port() const noexcept { return caf_port_; }
  /// ws://host:port/v1/ws (wss:// with TLS)
  std::string ws_url() const;
  /// Closes client connections, stops the actors. Idempotent.
  void stop();

  notifier_shared& shared() noexcept { return *shared_; }
  /// GET /readyz: registered with placement and holding a rope.
  net::readiness ready() const;

 private:
  std::vector<prometheus::MetricFamily> metric_families() const;

  caf::actor_system& sys_;
  notifier_service_options options_;
  net::metrics_registry registry_;  // scraped on the WebSocket port's /metrics
  std::shared_ptr<notifier_shared> shared_;
  std::unique_ptr<notify::ws_server> ws_;
  gateway_actor gateway_;
  uint16_t caf_port_ = 0;
};

}  // namespace ropekv::notifier
