// ropekv-segment-owner: parses the config, opens the data directory,
// spawns and publishes the owner actor, and runs until SIGTERM or SIGINT,
// then stops it (every replica closes its SQLite file) before exiting.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "owner_actor.hpp"
#include "owner_config.hpp"
#include "owner_logging.hpp"

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
  auto dir = data_dir::open(cfg.data_dir);
  auto saved = dir ? dir->load_node_id() : result<node_id>(dir.error());
  if (!saved) {
    spdlog::critical("event=data_dir_failed path={} error=\"{}\"", cfg.data_dir, saved.error().message);
    return 1;
  }

  caf::actor_system sys{cfg};
  auto owner = spawn_owner(sys, *opts, std::move(*dir), *saved);
  auto port = sys.middleman().publish(owner, cfg.port, cfg.host.c_str(), true);
  if (!port) {
    spdlog::critical("event=publish_failed host={} port={} error=\"{}\"", cfg.host, cfg.port, sys.render(port.error()));
    caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
    return 1;
  }
  caf::anon_send(owner, listen_atom_v, cfg.host + ":" + std::to_string(*port));
  std::cout << "listening on " << cfg.host << ':' << *port << std::endl;

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("event=shutdown signal={}", sig);
  {
    // The owner quits only after every replica actor is gone (files closed).
    caf::scoped_actor self{sys};
    self->monitor(owner);
    self->send_exit(owner, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {},
                  caf::after(std::chrono::seconds(20)) >> [] { spdlog::error("event=stop_timeout"); });
  }
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
