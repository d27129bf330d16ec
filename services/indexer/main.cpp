// ropekv-indexer: parses the config, starts the indexer (coordinator,
// index builders, cluster view) and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "indexer_config.hpp"
#include "indexer_metrics.hpp"
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
  ropekv::indexer::indexer_metrics metrics;
  metrics.set_shared(indexer.shared());
  if (cfg.metrics_port >= 0) {
    if (auto st = metrics.serve(cfg.host, static_cast<uint16_t>(cfg.metrics_port)); !st) {
      spdlog::critical("event=metrics_start_failed error=\"{}\"", st.error().message);
      indexer.stop();
      return 1;
    }
    spdlog::info("event=metrics_listening address={}:{} paths=/healthz,/readyz,/metrics", cfg.host, metrics.port());
  }
  std::cout << "listening on " << cfg.host << ':' << indexer.caf_port() << std::endl;
  if (metrics.port() != 0) std::cout << "metrics on " << cfg.host << ':' << metrics.port() << std::endl;
  spdlog::info("event=listening caf={}:{} placement={} data_dir={}", cfg.host, indexer.caf_port(), cfg.placement,
               cfg.data_dir);

  spdlog::info("event=shutdown signal={}", stop.wait());
  metrics.stop();
  indexer.stop();
  ropekv::net::bound_teardown("indexer");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
