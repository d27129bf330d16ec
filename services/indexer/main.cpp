// ropekv-indexer: parses the config, starts the indexer (coordinator,
// index builders, cluster view) and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "indexer_config.hpp"
#include "ropekv/net/service_process.hpp"

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF starts threads

  ropekv::indexer::indexer_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;
  auto opts = cfg.options();
  if (!opts) return ropekv::net::bad_configuration(opts.error().message);
  ropekv::net::setup_logging("indexer", cfg.log_level);

  caf::actor_system sys{cfg};
  ropekv::indexer::indexer_service indexer{sys, *opts};
  if (auto started = indexer.start(); !started) {
    spdlog::critical("event=start_failed error=\"{}\"", started.error().message);
    indexer.stop();
    return 1;
  }
  std::cout << "listening on " << cfg.host << ':' << indexer.caf_port() << std::endl;
  spdlog::info("event=listening caf={}:{} placement={} data_dir={}", cfg.host, indexer.caf_port(), cfg.placement,
               cfg.data_dir);

  spdlog::info("event=shutdown signal={}", stop.wait());
  indexer.stop();
  ropekv::net::bound_teardown("indexer");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
