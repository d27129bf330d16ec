// ropekv-segment-owner: parses the config, starts the owner (start_owner:
// data directory, actor, publish), and runs until SIGTERM or SIGINT,
// then stops it (every replica closes its SQLite file) before exiting.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "owner_config.hpp"
#include "owner_metrics.hpp"
#include "owner_start.hpp"
#include "unsafe_ack.hpp"
#include "ropekv/net/service_process.hpp"

using namespace ropekv;
using namespace ropekv::segment_owner;

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads

  auto unsafe = take_unsafe_ack_flag(argc, argv);  // tests/chaos only, never in --help
  if (!unsafe.refusal.empty()) return ropekv::net::bad_configuration(unsafe.refusal);
  owner_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;  // flags > env > file
  auto opts = cfg.options();
  if (!opts) return ropekv::net::bad_configuration(opts.error().message);
  ropekv::net::setup_logging("segment-owner", cfg.log_level);
  opts->unsafe_ack_before_commit = unsafe.enabled;
  if (unsafe.enabled) spdlog::warn("event=unsafe_ack_before_commit note=\"BROKEN ON PURPOSE: puts acknowledged before they commit\"");
  owner_metrics metrics{opts->heartbeat};  // outlives the actor system, whose actors record into it
  opts->observe = metrics.observer();
  opts->on_report = metrics.reporter();
  opts->on_replica_corrupt = metrics.corrupt_counter();
  auto shipper = start_chunk_shipper(cfg.chunks, cfg.data_dir);  // outlives the actors that ship to it
  if (!shipper) return ropekv::net::bad_configuration(shipper.error().message);
  if (*shipper) {
    opts->chunks.shipper = *shipper;
    metrics.add_collector(chunk_metrics(*shipper));
  }
  if (cfg.metrics_port >= 0) {
    if (auto st = metrics.serve(cfg.host, static_cast<uint16_t>(cfg.metrics_port)); !st) {
      spdlog::critical("event=metrics_start_failed error=\"{}\"", st.error().message);
      return 1;
    }
    spdlog::info("event=metrics_listening address={}:{} paths=/healthz,/readyz,/metrics", cfg.host, metrics.port());
  }
  caf::actor_system sys{cfg};
  auto owner = start_owner(sys, *opts, cfg.data_dir, cfg.port);
  if (!owner) {
    spdlog::critical("event=start_failed error=\"{}\"", owner.error().message);
    return 1;
  }
  std::cout << "listening on " << owner->address << std::endl;
  if (metrics.port() != 0) std::cout << "metrics on " << cfg.host << ':' << metrics.port() << std::endl;

  spdlog::info("event=shutdown signal={}", stop.wait());
  // The owner quits only after every replica actor is gone (files closed).
  stop_owner(sys, owner->actor);
  spdlog::info("event=stopped");
  ropekv::net::bound_teardown("segment-owner");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
