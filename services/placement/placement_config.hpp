#pragma once
// Command-line / config-file options of ropekv-placement, through CAF's own
// config (--port=0, --data-dir=DIR, --down-after=30s, ...; also settable in
// caf-application.ini). main.cpp turns them into placement_options.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <string>

#include "placement_options.hpp"
#include "ropekv/common/result.hpp"
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
  std::string bootstrap_token;       // ROPEKV_BOOTSTRAP_TOKEN
  std::string bootstrap_token_file;
  uint64_t placement_id = 1;
  std::string peers;
  bool join = false;
  caf::timespan election_timeout = std::chrono::milliseconds(600);

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
        .add(log_level, "log-level", "trace|debug|info|warn|error")
        .add(bootstrap_token, "bootstrap-token",
             "secret of a cluster-admin token created at first start (no token stored yet); "
             "prefer --bootstrap-token-file or the environment")
        .add(bootstrap_token_file, "bootstrap-token-file",
             "file holding the bootstrap token's secret (surrounding whitespace ignored)")
        .add(placement_id, "placement-id", "this instance's member id in the placement group (1..)")
        .add(peers, "peers",
             "every initial placement instance as id@host:port,... (empty: a group of one, this instance)")
        .add(join, "join", "a new member: bootstrap nothing, wait to be added (POST /v1/placements/{id})")
        .add(election_timeout, "election-timeout", "Raft election timeout of the placement group");
    net::configure_service(*this);
  }

  /// The bootstrap token's secret: the file's content (trimmed) if a file
  /// is named, else --bootstrap-token; empty: none. An unreadable file is
  /// an error (placement must not start without the token it was given).
  result<std::string> bootstrap_secret() const {
    if (bootstrap_token_file.empty()) return bootstrap_token;
    std::ifstream in(bootstrap_token_file);
    if (!in) return make_error(errc::io_error, "cannot read " + bootstrap_token_file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return make_error(errc::invalid_argument, bootstrap_token_file + " is empty");
    auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
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
