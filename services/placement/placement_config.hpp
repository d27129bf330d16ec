#pragma once
// Command-line / config-file options of ropekv-placement, through CAF's own
// config (--port=0, --data-dir=DIR, --down-after=30s, ...; also settable in
// caf-application.ini). main.cpp turns them into placement_options.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <string>

#include "placement_options.hpp"
#include "ropekv/net/service_config.hpp"

namespace ropekv::placement_service {

struct placement_config : caf::actor_system_config {
  uint16_t port = 0;
  int32_t metrics_port = -1;
  std::string host = "127.0.0.1";
  std::string data_dir = "placement-data";
  caf::timespan down_after = std::chrono::seconds(30);
  caf::timespan tick_interval = std::chrono::seconds(1);
  caf::timespan notifier_timeout = std::chrono::seconds(3);
  caf::timespan indexer_timeout = std::chrono::seconds(3);
  uint32_t index_replicas = 2;
  caf::timespan balance_interval = std::chrono::seconds(5);
  double balance_band = 0.10;
  uint32_t max_moves_per_node = 2;
  std::string log_level = "info";

  placement_config() {
    opt_group{custom_options_, "global"}
        .add(port, "port", "TCP port to publish on (0: the OS picks one)")
        .add(metrics_port, "metrics-port",
             "HTTP port serving GET /healthz, /readyz, /metrics (0: the OS picks; -1: none)")
        .add(host, "host", "address to publish on")
        .add(data_dir, "data-dir", "directory holding placement.db (created if missing)")
        .add(down_after, "down-after", "a node silent this long has its replicas re-created")
        .add(tick_interval, "tick-interval", "period of liveness checks and repair")
        .add(notifier_timeout, "notifier-timeout",
             "a notifier silent this long is dead; its webhooks move to the others")
        .add(indexer_timeout, "indexer-timeout",
             "an indexer silent this long is dead; its index replicas move to the others")
        .add(index_replicas, "index-replicas",
             "copies of each secondary index, on distinct indexers (fewer while fewer are alive)")
        .add(balance_interval, "balance-interval",
             "balance rounds (replicas, then leaders) at most this often, when repair is idle")
        .add(balance_band, "balance-band", "allowed deviation from the fair share (0.10 = 10%); 0 turns balancing off")
        .add(max_moves_per_node, "max-moves-per-node", "moves a node takes part in at once (repair, drain, balance)")
        .add(log_level, "log-level", "trace|debug|info|warn|error");
    net::configure_service(*this);
  }

  placement_options options() const {
    placement_options o;
    o.down_after = std::chrono::duration_cast<std::chrono::milliseconds>(down_after);
    o.tick_interval = std::chrono::duration_cast<std::chrono::milliseconds>(tick_interval);
    o.notifier_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(notifier_timeout);
    o.indexer_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(indexer_timeout);
    o.index_replicas = index_replicas;
    o.balance_interval = std::chrono::duration_cast<std::chrono::milliseconds>(balance_interval);
    o.balance_band = balance_band;
    o.max_moves_per_node = max_moves_per_node;
    return o;
  }
};

}  // namespace ropekv::placement_service
