// ropekv-placement: parses the config, starts placement (start_placement:
// catalog, actor, publish), and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "placement_config.hpp"
#include "placement_start.hpp"
#include "ropekv/net/service_process.hpp"

using namespace ropekv::placement_service;

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads

  placement_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "bad configuration: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  ropekv::net::setup_logging("placement", cfg.log_level);
  caf::actor_system sys{cfg};
  placement_start_options start;
  start.data_dir = cfg.data_dir;
  start.host = cfg.host;
  start.port = cfg.port;
  start.options = cfg.options();
  auto placement = start_placement(sys, start);
  if (!placement) {
    spdlog::critical("event=start_failed error=\"{}\"", placement.error().message);
    return 1;
  }
  std::cout << "listening on " << cfg.host << ':' << placement->port << std::endl;

  spdlog::info("event=shutdown signal={}", stop.wait());
  // The actor's on_exit closes the catalog before its down message goes out.
  stop_placement(sys, placement->actor);
  spdlog::info("event=stopped");
  ropekv::net::bound_teardown("placement");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
