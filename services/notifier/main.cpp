// ropekv-notifier: parses the config, starts the notifier (WebSocket server,
// gateway, cluster view, webhook delivery) and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "notifier_config.hpp"
#include "ropekv/net/service_process.hpp"

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads
  ropekv::net::reload_signal hup;  // SIGHUP: reload the TLS pair

  ropekv::notifier::notifier_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;
  auto opts = cfg.options();
  if (!opts) return ropekv::net::bad_configuration(opts.error().message);
  ropekv::net::setup_logging("notifier", cfg.log_level);

  caf::actor_system sys{cfg};
  ropekv::notifier::notifier_service notifier{sys, *opts};
  if (auto started = notifier.start(); !started) {
    spdlog::critical("event=start_failed error=\"{}\"", started.error().message);
    notifier.stop();
    return 1;
  }
  ropekv::net::reload_tls_on_hup(hup, opts->ws.tls);
  if (cfg.insecure) spdlog::warn("event=auth_disabled why=--insecure");
  std::cout << "listening on " << cfg.ws_host << ':' << notifier.ws_port() << std::endl;
  std::cout << "websocket " << notifier.ws_url() << std::endl;
  spdlog::info("event=listening ws_url={} caf={}:{} placement={}", notifier.ws_url(), cfg.host, notifier.caf_port(),
               cfg.placement);

  spdlog::info("event=shutdown signal={}", stop.wait());
  notifier.stop();
  ropekv::net::bound_teardown("notifier");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
