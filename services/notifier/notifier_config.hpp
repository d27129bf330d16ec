#pragma once
// Command-line / config-file options of ropekv-notifier, through CAF's own
// config (also settable in caf-application.ini); options() turns them into
// notifier_service_options.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <string>

#include "notifier_service.hpp"
#include "ropekv/net/public_tls.hpp"
#include "ropekv/net/service_config.hpp"
#include "ropekv/net/service_process.hpp"

namespace ropekv::notifier {

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
  bool insecure = false;  // docs/security.md "Authentication and roles"
  std::string tls_cert, tls_key;  // docs/security.md "TLS on public ports"

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
        .add(log_level, "log-level", "trace|debug|info|warn|error")
        .add(insecure, "insecure", "accept WebSocket upgrades without a bearer token (auth disabled)")
        .add(tls_cert, "tls-cert", "PEM certificate (chain) to serve wss:// with; reloaded on SIGHUP")
        .add(tls_key, "tls-key", "PEM private key of --tls-cert");
    net::configure_service(*this);
  }

  /// invalid_argument for values the flags' types do not rule out.
  result<notifier_service_options> options() const {
    if (live_feed_from != "leader" && live_feed_from != "follower") {
      return make_error(errc::invalid_argument, "--live-feed-from must be leader or follower");
    }
    auto tls = net::load_public_tls(tls_cert, tls_key);
    if (!tls) return std::move(tls).error();
    notifier_service_options o;
    o.ws.tls = std::move(*tls);
    o.ws_host = ws_host;
    o.ws_port = ws_port;
    o.caf_port = port;
    o.placement = placement;
    o.ws.io_threads = static_cast<unsigned>(io_threads);
    o.ws.max_connections = max_connections;
    o.ws.max_frame_bytes = max_frame_bytes;
    o.ws.queue_limit_bytes = queue_limit_bytes;
    o.notifier.host = host;
    o.notifier.data_dir = data_dir;
    o.notifier.max_subscriptions = max_subscriptions;
    o.notifier.feed_wait = net::to_ms(feed_wait);
    o.notifier.live_feed_from_leader = live_feed_from == "leader";
    o.notifier.hook_timeout = net::to_ms(hook_timeout);
    o.notifier.peer_timeout = net::to_ms(peer_timeout);
    o.notifier.hook_schedule = hook_schedule;
    o.cluster.require_auth = !insecure;
    return o;
  }
};

}  // namespace ropekv::notifier
