// ropekv-placement: parses the config, starts placement (start_placement:
// catalog, actor, publish), and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "placement_config.hpp"
#include "placement_metrics.hpp"
#include "placement_start.hpp"
#include "ropekv/net/service_process.hpp"

using namespace ropekv::placement_service;

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads

  placement_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;  // flags > env > file
  if (!ropekv::net::valid_metrics_port(cfg.metrics_port))
    return ropekv::net::bad_configuration("--metrics-port must be -1..65535");
  ropekv::net::setup_logging("placement", cfg.log_level);
  placement_metrics metrics;  // outlives the actor system; its poller is stopped first
  caf::actor_system sys{cfg};
  placement_start_options start;
  start.data_dir = cfg.data_dir;
  start.host = cfg.host;
  start.port = cfg.port;
  start.options = cfg.options();
  auto bootstrap = cfg.bootstrap_secret();
  if (!bootstrap) return ropekv::net::bad_configuration("--bootstrap-token-file: " + bootstrap.error().message);
  start.options.bootstrap_token = std::move(*bootstrap);
  start.id = cfg.placement_id;
  start.join = cfg.join;
  start.election_timeout_ms = static_cast<unsigned>(ropekv::net::to_ms(cfg.election_timeout).count());
  auto peers = placement_peers(cfg.peers);
  if (!peers) return ropekv::net::bad_configuration("--peers: " + peers.error().message);
  start.peers = std::move(*peers);
  auto placement = start_placement(sys, start);
  if (!placement) {
    spdlog::critical("event=start_failed error=\"{}\"", placement.error().message);
    return 1;
  }
  metrics.start(sys, placement->actor);
  if (cfg.metrics_port >= 0) {
    if (auto st = metrics.serve(cfg.host, static_cast<uint16_t>(cfg.metrics_port)); !st) {
      spdlog::critical("event=metrics_start_failed error=\"{}\"", st.error().message);
      metrics.stop();
      stop_placement(sys, placement->actor);
      return 1;
    }
    spdlog::info("event=metrics_listening address={}:{} paths=/healthz,/readyz,/metrics", cfg.host, metrics.port());
  }
  std::cout << "listening on " << cfg.host << ':' << placement->port << std::endl;
  if (metrics.port() != 0) std::cout << "metrics on " << cfg.host << ':' << metrics.port() << std::endl;

  spdlog::info("event=shutdown signal={}", stop.wait());
  metrics.stop();
  // The actor's on_exit closes the catalog before its down message goes out.
  stop_placement(sys, placement->actor);
  spdlog::info("event=stopped");
  ropekv::net::bound_teardown("placement");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
