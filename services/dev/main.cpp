// ropekv-dev: the embedded mode (DESIGN §1). Parses the config, starts
// placement, the segment-owners, the router, the notifier and the indexer as
// actors of this one process (dev_cluster), and runs until SIGTERM or SIGINT, then stops them in order
// so every SQLite file is closed before exiting.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "dev_cluster.hpp"
#include "dev_config.hpp"
#include "ropekv/net/service_process.hpp"

using namespace ropekv;

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads

  dev::dev_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;  // flags > env > file
  if (cfg.owners == 0) {
    std::cerr << "bad configuration: --owners must be at least 1\n";
    return 2;
  }
  // One logger for every service of the process: svc=dev on each line.
  ropekv::net::setup_logging("dev", cfg.log_level);

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
                << "RopeKV notifier WebSocket on " << cluster.ws_url() << '\n'
                << "RopeKV indexer on " << cluster.indexer_address() << '\n'
                << "RopeKV auth disabled (--insecure): the embedded mode takes no bearer tokens" << std::endl;
      spdlog::info("event=listening port={} data_dir={} owners={}", cluster.http_port(), cfg.data_dir,
                   cfg.owners);
      spdlog::info("event=shutdown signal={}", stop.wait());
    }
    cluster.stop();
    spdlog::info("event=stopped");
    ropekv::net::bound_teardown("dev", code);  // CAF 0.17 teardown can hang (#1196)
  }
  return code;
}
