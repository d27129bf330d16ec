// ropekv-segment-owner: parses the config, starts the owner (start_owner:
// data directory, actor, publish), and runs until SIGTERM or SIGINT,
// then stops it (every replica closes its SQLite file) before exiting.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "owner_config.hpp"
#include "owner_logging.hpp"
#include "owner_metrics.hpp"
#include "owner_start.hpp"

using namespace ropekv;
using namespace ropekv::segment_owner;

int main(int argc, char** argv) {
  // Block the stop signals before CAF starts its threads (they inherit the
  // mask), so only sigwait() below ever sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  owner_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "bad configuration: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  auto opts = cfg.options();
  if (!opts) {
    std::cerr << "bad configuration: " << opts.error().message << '\n';
    return 2;
  }
  setup_logging(cfg.log_level);
  owner_metrics metrics;  // outlives the actor system, whose replicas record into it
  opts->observe = metrics.observer();
  if (cfg.metrics_port >= 0) {
    if (auto st = metrics.serve(cfg.host, static_cast<uint16_t>(cfg.metrics_port)); !st) {
      spdlog::critical("event=metrics_start_failed error=\"{}\"", st.error().message);
      return 1;
    }
    spdlog::info("event=metrics_listening address={}:{}", cfg.host, metrics.port());
  }
  caf::actor_system sys{cfg};
  auto owner = start_owner(sys, *opts, cfg.data_dir, cfg.port);
  if (!owner) {
    spdlog::critical("event=start_failed error=\"{}\"", owner.error().message);
    return 1;
  }
  std::cout << "listening on " << owner->address << std::endl;
  if (metrics.port() != 0) std::cout << "metrics on " << cfg.host << ':' << metrics.port() << std::endl;

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("event=shutdown signal={}", sig);
  // The owner quits only after every replica actor is gone (files closed).
  stop_owner(sys, owner->actor);
  spdlog::info("event=stopped");
  // CAF 0.17.6 can deadlock in ~actor_system after detached actors ended
  // (actor-framework#1196, fixed in 0.18). Every replica is closed by now,
  // so CAF's teardown gets a bounded time.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::fputs("level=warn svc=segment-owner event=teardown_stuck action=exit\n", stderr);
    std::_Exit(0);
  }).detach();
  return 0;
}
