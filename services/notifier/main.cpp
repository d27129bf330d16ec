// ropekv-notifier: parses the config, starts the notifier (WebSocket server,
// gateway, cluster view, webhook delivery) and runs until SIGTERM or SIGINT.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "notifier_service.hpp"
#include "ropekv/net/service_config.hpp"
#include "ropekv/net/service_process.hpp"

namespace {

struct notifier_config : caf::actor_system_config {
  std::string ws_host = "127.0.0.1";
  uint16_t ws_port = 0;
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string placement = "127.0.0.1:7400";
  std::string data_dir;
  size_t io_threads = 2;
  size_t max_connections = 10'000;
  size_t max_subscriptions = 100;
  size_t max_frame_bytes = 64 << 10;
  size_t queue_limit_bytes = 1 << 20;
  caf::timespan feed_wait = std::chrono::seconds(2);
  caf::timespan hook_timeout = std::chrono::seconds(10);
  caf::timespan peer_timeout = std::chrono::seconds(2);
  std::string hook_schedule;
  std::string live_feed_from = "leader";
  std::string log_level = "info";

  notifier_config() {
    opt_group{custom_options_, "global"}
        .add(ws_host, "ws-host", "WebSocket address to listen on")
        .add(ws_port, "ws-port", "WebSocket port (0: the OS picks one)")
        .add(host, "host", "address of the CAF endpoint (placement and other notifiers)")
        .add(port, "port", "CAF port (0: the OS picks one)")
        .add(placement, "placement", "host:port of the placement service")
        .add(data_dir, "data-dir", "directory of the webhook delivery file (empty: in memory)")
        .add(io_threads, "io-threads", "WebSocket I/O threads")
        .add(max_connections, "max-connections", "open WebSocket connections (503 beyond)")
        .add(max_subscriptions, "max-subscriptions", "subscriptions per connection")
        .add(max_frame_bytes, "max-frame-bytes", "largest client frame (frame_too_large beyond)")
        .add(queue_limit_bytes, "queue-limit-bytes", "outbound bytes queued per connection (slow_consumer beyond)")
        .add(feed_wait, "feed-wait", "how long a segment holds an idle feed read")
        .add(live_feed_from, "live-feed-from", "leader|follower: which replica live tails read first")
        .add(hook_timeout, "hook-timeout", "one webhook POST")
        .add(peer_timeout, "peer-timeout", "channel presence calls to other notifiers")
        .add(hook_schedule, "hook-schedule", "webhook retry delays, e.g. 0,5s,5m,30m (default: up to 24h)")
        .add(log_level, "log-level", "trace|debug|info|warn|error");
    ropekv::net::configure_service(*this);
  }
};

}  // namespace

int main(int argc, char** argv) {
  ropekv::net::stop_signals stop;  // before CAF and Asio start threads

  notifier_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "bad configuration: " << cfg.render(err) << '\n';
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  if (cfg.live_feed_from != "leader" && cfg.live_feed_from != "follower") {
    std::cerr << "bad configuration: --live-feed-from must be leader or follower\n";
    return 2;
  }
  ropekv::net::setup_logging("notifier", cfg.log_level);

  ropekv::notifier::notifier_service_options opts;
  opts.ws_host = cfg.ws_host;
  opts.ws_port = cfg.ws_port;
  opts.caf_port = cfg.port;
  opts.placement = cfg.placement;
  opts.ws.io_threads = static_cast<unsigned>(cfg.io_threads);
  opts.ws.max_connections = cfg.max_connections;
  opts.ws.max_frame_bytes = cfg.max_frame_bytes;
  opts.ws.queue_limit_bytes = cfg.queue_limit_bytes;
  opts.notifier.host = cfg.host;
  opts.notifier.data_dir = cfg.data_dir;
  opts.notifier.max_subscriptions = cfg.max_subscriptions;
  opts.notifier.feed_wait = ropekv::net::to_ms(cfg.feed_wait);
  opts.notifier.live_feed_from_leader = cfg.live_feed_from == "leader";
  opts.notifier.hook_timeout = ropekv::net::to_ms(cfg.hook_timeout);
  opts.notifier.peer_timeout = ropekv::net::to_ms(cfg.peer_timeout);
  opts.notifier.hook_schedule = cfg.hook_schedule;

  caf::actor_system sys{cfg};
  ropekv::notifier::notifier_service notifier{sys, opts};
  if (auto started = notifier.start(); !started) {
    spdlog::critical("event=start_failed error=\"{}\"", started.error().message);
    notifier.stop();
    return 1;
  }
  std::cout << "listening on " << cfg.ws_host << ':' << notifier.ws_port() << std::endl;
  std::cout << "websocket " << notifier.ws_url() << std::endl;
  spdlog::info("event=listening ws_url={} caf={}:{} placement={}", notifier.ws_url(), cfg.host, notifier.caf_port(),
               cfg.placement);

  spdlog::info("event=shutdown signal={}", stop.wait());
  notifier.stop();
  ropekv::net::bound_teardown("notifier");  // CAF 0.17 teardown can hang (#1196)
  return 0;
}
