// ropekv-router: parses the config, starts the router (placement link,
// owner directory, HTTP server) and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "router_service.hpp"
#include "ropekv/net/service_config.hpp"
#include "ropekv/net/public_tls.hpp"
#include "ropekv/net/service_process.hpp"

namespace {

struct router_config : caf::actor_system_config {
  uint16_t http_port = 0;
  std::string http_host = "127.0.0.1";
  std::string placement = "127.0.0.1:7400";
  size_t io_threads = 2;
  // A transaction may carry up to max-txn-bytes of items, plus its JSON.
  size_t max_body_bytes = (size_t{16} << 20) + (size_t{1} << 20);
  size_t max_txn_ops = 1000;
  size_t max_txn_bytes = size_t{16} << 20;
  caf::timespan txn_lock_ttl = std::chrono::seconds(1);
  caf::timespan segment_timeout = std::chrono::seconds(1);
  caf::timespan request_deadline = std::chrono::seconds(15);
  std::string log_level = "info";
  bool insecure = false;         // docs/security.md "Authentication and roles"
  double token_rate_limit = 0;   // requests/s per token without its own; 0: unlimited
  ropekv::net::public_port_flags public_port;  // TLS and limits: docs/security.md

  router_config() {
    opt_group{custom_options_, "global"}
        .add(http_port, "http-port", "HTTP port (0: the OS picks one)")
        .add(http_host, "http-host", "HTTP address to listen on")
        .add(placement, "placement", "host:port of the placement service")
        .add(io_threads, "io-threads", "HTTP I/O threads")
        .add(max_body_bytes, "max-body-bytes", "largest request body accepted (413 beyond)")
        .add(segment_timeout, "segment-timeout", "one attempt at a segment replica")
        .add(request_deadline, "request-deadline", "whole request, retries included")
        .add(max_txn_ops, "max-txn-ops", "most operations in one transaction")
        .add(max_txn_bytes, "max-txn-bytes", "largest transaction body")
        .add(txn_lock_ttl, "txn-lock-ttl", "age past which a transaction's lock may be aborted")
        .add(log_level, "log-level", "trace|debug|info|warn|error")
        .add(insecure, "insecure", "accept requests without a bearer token (auth disabled)")
        .add(token_rate_limit, "token-rate-limit", "requests per second per token unless it sets its own (0: unlimited)");
    public_port.add_to(custom_options_);
    ropekv::net::configure_service(*this);
  }
};

}  // namespace

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads
  ropekv::net::reload_signal hup;  // SIGHUP: reload the TLS pair

  router_config cfg;
  if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;  // flags > env > file
  ropekv::net::setup_logging("router", cfg.log_level);

  ropekv::router::router_service_options opts;
  opts.http.host = cfg.http_host;
  opts.http.port = cfg.http_port;
  opts.http.io_threads = static_cast<unsigned>(cfg.io_threads);
  opts.http.max_body_bytes = cfg.max_body_bytes;
  opts.http.server_name = "ropekv-router";
  if (auto st = cfg.public_port.apply(opts.http); !st) return ropekv::net::bad_configuration(st.error().message);
  opts.router.segment_timeout = ropekv::net::to_ms(cfg.segment_timeout);
  opts.router.require_auth = !cfg.insecure;
  opts.router.token_rate_limit = cfg.token_rate_limit;
  if (cfg.insecure) spdlog::warn("event=auth_disabled why=--insecure");
  opts.router.request_deadline = ropekv::net::to_ms(cfg.request_deadline);
  opts.router.max_txn_ops = cfg.max_txn_ops;
  opts.router.max_txn_bytes = cfg.max_txn_bytes;
  opts.router.txn_lock_ttl = ropekv::net::to_ms(cfg.txn_lock_ttl);
  opts.placement.address = cfg.placement;

  caf::actor_system sys{cfg};
  ropekv::router::router_service router{sys, opts};
  if (auto started = router.start(); !started) {
    spdlog::critical("event=http_start_failed host={} port={} error=\"{}\"", cfg.http_host,
                     cfg.http_port, started.error().message);
    router.stop();
    return 1;
  }
  ropekv::net::reload_tls_on_hup(hup, opts.http.tls);
  std::cout << "listening on " << cfg.http_host << ':' << router.port() << std::endl;
  spdlog::info("event=listening host={} port={} placement={}", cfg.http_host, router.port(), cfg.placement);

  spdlog::info("event=shutdown signal={}", stop.wait());
  router.stop();  // drains HTTP, then stops the link and the directory
  ropekv::net::bound_teardown("router");  // CAF 0.17 teardown can hang (#1196)
  return 0;       // ~actor_system waits for request actors to finish
}
