#pragma once
// router_service: one router -- the HTTP server, the placement link, the
// owner directory and the shared route table -- wired together on a given
// actor system. main.cpp and the in-process tests both use it.
//
// Request flow: the HTTP handler (on a Beast I/O thread) parses and
// validates (net::parse_request), answers /healthz, /readyz, /metrics and
// the unsupported routes itself, and hands everything else to a new
// request actor (request_actor.hpp); no I/O thread ever waits for CAF.
//
// Threads: start() and stop() from one controlling thread (not from a CAF
// worker or an I/O thread: stop() joins the I/O threads).
#include <caf/actor_system.hpp>

#include <memory>
#include <optional>
#include <string>

#include "owner_directory.hpp"
#include "placement_link.hpp"
#include "ropekv/net/http_server.hpp"
#include "router_shared.hpp"

namespace ropekv::router {

struct router_service_options {
  net::http_server_options http;
  router_options router;
  placement_link_config placement;
};

class router_service {
 public:
  router_service(caf::actor_system& sys, router_service_options options);
  ~router_service();  // stop()
  router_service(const router_service&) = delete;
  router_service& operator=(const router_service&) = delete;

  /// Spawns the link and the directory, then binds and starts HTTP.
  status start();
  uint16_t port() const noexcept;
  /// Stops HTTP (letting requests in progress finish for drain_timeout),
  /// then the link and the directory. Idempotent.
  void stop();

  router_shared& shared() noexcept { return *shared_; }

 private:
  void handle(net::http_request request, net::responder respond);

  caf::actor_system& sys_;
  router_service_options options_;
  std::shared_ptr<router_shared> shared_;
  owner_directory_actor directory_;
  placement_link_actor link_;
  caf::actor sweep_;  // txn_resolver.hpp: finishes transactions left by dead coordinators
  std::unique_ptr<net::http_server> http_;
};

}  // namespace ropekv::router
