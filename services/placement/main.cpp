// ropekv-placement: parses the config, opens the catalog, spawns and
// publishes the placement actor, and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "placement_actor.hpp"
#include "placement_config.hpp"
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
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  auto catalog = (std::filesystem::path(cfg.data_dir) / "placement.db").string();
  auto core = placement_state::open(catalog, cfg.options(), std::chrono::steady_clock::now());
  if (!core) {
    spdlog::critical("event=catalog_open_failed path={} error=\"{}\"", catalog, core.error().message);
    return 1;
  }

  caf::actor_system sys{cfg};
  auto placement = spawn_placement(sys, std::move(*core));
  auto port = sys.middleman().publish(placement, cfg.port, cfg.host.c_str(), true);
  if (!port) {
    spdlog::critical("event=publish_failed host={} port={} error=\"{}\"", cfg.host, cfg.port,
                     sys.render(port.error()));
    caf::anon_send_exit(placement, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::cout << "listening on " << cfg.host << ':' << *port << std::endl;
  spdlog::info("event=listening host={} port={} data_dir={} down_after_ms={}", cfg.host, *port,
               cfg.data_dir, cfg.options().down_after.count());

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("event=shutdown signal={}", sig);
  {
    // The actor's on_exit closes the catalog before its down message goes out.
    caf::scoped_actor self{sys};
    self->monitor(placement);
    self->send_exit(placement, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds(10)) >> [] { spdlog::error("event=stop_timeout"); });
  }
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
