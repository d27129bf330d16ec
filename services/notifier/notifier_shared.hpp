#pragma once
// notifier_shared: what every actor of one notifier process shares -- its
// options, the cluster view it reads feeds by, the WebSocket server it
// writes frames to, and its counters. Owned by notifier_service through a
// shared_ptr; actors hold copies of the pointer.
//
// The cluster view is the router's client side, reused as is: a
// router::router_shared whose route_table the placement link keeps current
// (rope, tables, node addresses) and whose owner_handles the owner
// directory fills. Feeds are read with the same handles a router uses.
//
// Thread safety: options are immutable after start; route_table,
// owner_handles and the atomics are safe from any thread; ws_server's
// send/send_final/close are thread-safe.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "owner_directory.hpp"
#include "placement_link.hpp"
#include "ropekv/notify/ws_server.hpp"
#include "ropekv/webhook/delivery_store.hpp"
#include "ropekv/webhook/http_poster.hpp"
#include "ropekv/webhook/retry_schedule.hpp"
#include "router_shared.hpp"
#include "segment_feed.hpp"

namespace ropekv::notifier {

struct notifier_options {
  /// CAF endpoint other notifiers and placement reach (host:port once bound).
  std::string host = "127.0.0.1";
  /// WebSocket URL clients are told (ws://host:port/v1/ws once bound).
  std::string ws_url;
  /// Directory of the notifier's own SQLite file (webhook delivery state).
  std::string data_dir;
  /// Outbound bytes queued per connection (ws_options.queue_limit_bytes).
  size_t queue_limit_bytes = 1 << 20;
  /// Subscriptions one connection may hold.
  size_t max_subscriptions = 100;
  /// A feed long poll is held this long by the replica when nothing is new.
  std::chrono::milliseconds feed_wait{2'000};
  /// The live tails read segment leaders first (latency); catch-ups and
  /// webhooks read followers first either way.
  bool live_feed_from_leader = true;
  /// Events per feed read.
  uint32_t feed_batch = 1'000;
  /// Liveness reports to placement.
  std::chrono::milliseconds heartbeat{500};
  /// Channel fan-out and presence calls to other notifiers.
  std::chrono::milliseconds peer_timeout{2'000};
  /// Webhook deliveries: the HTTP POST, and the retry schedule
  /// ("0,5s,5m,..."; empty: the Standard Webhooks default, up to 24 h).
  std::chrono::milliseconds hook_timeout{10'000};
  std::string hook_schedule;
};

struct notifier_counters {
  std::atomic<uint64_t> events_sent{0};        // event frames queued to clients
  std::atomic<uint64_t> feed_reads{0};         // ChangesRequests answered
  std::atomic<uint64_t> slow_consumers{0};     // subscriptions cut off
  std::atomic<uint64_t> channel_messages{0};   // message frames queued
  std::atomic<uint64_t> hook_deliveries{0};    // webhook POSTs answered 2xx
  std::atomic<uint64_t> hook_failures{0};      // webhook attempts that failed
  std::atomic<int64_t> subscriptions{0};       // live feed subscriptions (gauge)
  std::atomic<uint64_t> hooks_held{0};         // webhooks this notifier delivers (gauge)
  // Commit-to-fan-out delay of the latest live event sent to WebSocket
  // clients (microseconds; the event's commit timestamp against now).
  std::atomic<int64_t> feed_lag_us{0};
};

/// Each webhook's backlog for /metrics, written by its hook_worker after
/// every batch and attempt, erased when the worker stops. Thread-safe.
class hook_backlogs {
 public:
  struct backlog {
    uint64_t events = 0;           // matching events read and not yet acknowledged
    int64_t oldest_event_us = 0;   // commit time of the oldest of them (0: none)
  };
  void set(const std::string& hook, backlog b) {
    std::lock_guard lock(mu_);
    by_hook_[hook] = b;
  }
  void erase(const std::string& hook) {
    std::lock_guard lock(mu_);
    by_hook_.erase(hook);
  }
  std::map<std::string, backlog> snapshot() const {
    std::lock_guard lock(mu_);
    return by_hook_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, backlog> by_hook_;
};

struct notifier_shared {
  notifier_shared(notifier_options opts, router::router_options cluster_opts)
      : options(std::move(opts)), cluster(std::make_shared<router::router_shared>(std::move(cluster_opts))) {}

  const notifier_options options;
  std::shared_ptr<router::router_shared> cluster;
  router::placement_link_actor placement_link;
  router::owner_directory_actor owner_directory;
  notify::ws_server* ws = nullptr;            // set before any actor runs
  /// Webhook delivery state (the notifier's own SQLite file; thread-safe),
  /// the HTTP client and the retry schedule. Set before any actor runs.
  std::unique_ptr<webhook::delivery_store> deliveries;
  std::optional<webhook::http_poster> poster;
  webhook::retry_schedule schedule;
  std::atomic<uint64_t> notifier_id{0};       // from placement; 0 until registered
  notifier_counters counters;
  hook_backlogs backlogs;

  /// What this process's feeds read through.
  feed::feed_client feed_client() {
    return feed::feed_client{cluster, placement_link, owner_directory, &counters.feed_reads};
  }
};

using feed::event_key;
using feed::feed_batch;
using feed::feed_callbacks;
using feed::feed_settings;
using feed::segment_feed;

}  // namespace ropekv::notifier
