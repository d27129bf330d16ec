// ropekv-dev: the embedded mode (DESIGN §1). Parses the config, starts
// placement, the segment-owners and the router as actors of this one process
// (dev_cluster), and runs until SIGTERM or SIGINT, then stops them in order
// so every SQLite file is closed before exiting.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "dev_cluster.hpp"
#include "dev_config.hpp"
#include "service_logging.hpp"

using namespace ropekv;

int main(int argc, char** argv) {
  // Block the stop signals before CAF and Asio start threads (they inherit
  // the mask), so only sigwait() below ever sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  dev::dev_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "bad configuration: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  if (cfg.owners == 0) {
    std::cerr << "bad configuration: --owners must be at least 1\n";
    return 2;
  }
  // One logger for every service of the process: svc=dev on each line.
  placement_service::setup_logging("dev", cfg.log_level);

  int code = 0;
  {
    caf::actor_system sys{cfg};
    dev::dev_cluster cluster{sys};
    if (auto started = cluster.start(cfg.options()); !started) {
      spdlog::critical("event=start_failed error=\"{}\"", started.error().message);
      code = 1;
    } else {
      std::cout << "listening on 127.0.0.1:" << cluster.http_port() << '\n'
                << "RopeKV router listening on http://127.0.0.1:" << cluster.http_port() << '\n'
                << "RopeKV notifier WebSocket on " << cluster.ws_url() << std::endl;
      spdlog::info("event=listening port={} data_dir={} owners={}", cluster.http_port(), cfg.data_dir,
                   cfg.owners);
      int sig = 0;
      sigwait(&stop, &sig);
      spdlog::info("event=shutdown signal={}", sig);
    }
    cluster.stop();
    spdlog::info("event=stopped");
    // CAF 0.17.6 can deadlock in ~actor_system after detached actors ended
    // (actor-framework#1196, fixed in 0.18). Every file is closed by now, so
    // CAF's teardown gets a bounded time.
    std::thread([code] {
      std::this_thread::sleep_for(std::chrono::seconds(3));
      std::fputs("level=warn svc=dev event=teardown_stuck action=exit\n", stderr);
      std::_Exit(code);
    }).detach();
  }
  return code;
}
