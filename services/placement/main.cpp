// ropekv-placement: parses the config, starts placement (start_placement:
// catalog, actor, publish), and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "placement_config.hpp"
#include "placement_start.hpp"
#include "service_logging.hpp"

using namespace ropekv::placement_service;

int main(int argc, char** argv) {
  // Block the stop signals before CAF starts its threads (they inherit the
  // mask), so only sigwait() below ever sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  placement_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "bad configuration: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  setup_logging("placement", cfg.log_level);
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

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("event=shutdown signal={}", sig);
  // The actor's on_exit closes the catalog before its down message goes out.
  stop_placement(sys, placement->actor);
  spdlog::info("event=stopped");
  // CAF 0.17.6 can deadlock in ~actor_system after a detached actor ended
  // (actor-framework#1196, fixed in 0.18). Everything is on disk and the
  // catalog is closed by now, so CAF's teardown gets a bounded time.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::fputs("level=warn svc=placement event=teardown_stuck action=exit\n", stderr);
    std::_Exit(0);
  }).detach();
  return 0;
}
