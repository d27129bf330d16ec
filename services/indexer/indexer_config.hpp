#pragma once
// Command-line / config-file options of ropekv-indexer, through CAF's own
// config (also settable in caf-application.ini); options() turns them into
// indexer_service_options.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <string>

#include "indexer_service.hpp"
#include "ropekv/net/ops_endpoint.hpp"
#include "ropekv/net/service_config.hpp"
#include "ropekv/net/service_process.hpp"

namespace ropekv::indexer {

struct indexer_config : caf::actor_system_config {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int32_t metrics_port = -1;
  std::string placement = "127.0.0.1:7400";
  std::string data_dir;
  caf::timespan feed_wait = std::chrono::seconds(2);
  caf::timespan heartbeat = std::chrono::milliseconds(500);
  size_t scan_page = 500;
  double backfill_rate = 20'000;
  std::string log_level = "info";

  indexer_config() {
    opt_group{custom_options_, "global"}
        .add(host, "host", "address of the CAF endpoint (placement and routers)")
        .add(port, "port", "CAF port (0: the OS picks one)")
        .add(metrics_port, "metrics-port",
             "HTTP port serving GET /healthz, /readyz, /metrics (0: the OS picks; -1: none)")
        .add(placement, "placement", "host:port of the placement service")
        .add(data_dir, "data-dir", "directory of the index files (empty: in memory)")
        .add(feed_wait, "feed-wait", "how long a segment holds an idle feed read")
        .add(heartbeat, "heartbeat", "progress reports to placement")
        .add(scan_page, "scan-page", "items per backfill page")
        .add(backfill_rate, "backfill-rate", "most items per second a backfill reads (0: no cap)")
        .add(log_level, "log-level", "trace|debug|info|warn|error");
    net::configure_service(*this);
  }

  result<indexer_service_options> options() const {
    if (scan_page < 1 || scan_page > 10'000) return make_error(errc::invalid_argument, "--scan-page must be 1..10000");
    if (!net::valid_metrics_port(metrics_port))
      return make_error(errc::invalid_argument, "--metrics-port must be -1..65535");
    if (backfill_rate < 0) return make_error(errc::invalid_argument, "--backfill-rate must not be negative");
    indexer_service_options o;
    o.caf_port = port;
    o.placement = placement;
    o.indexer.host = host;
    o.indexer.data_dir = data_dir;
    o.indexer.feed_wait = net::to_ms(feed_wait);
    o.indexer.heartbeat = net::to_ms(heartbeat);
    o.indexer.scan_page = static_cast<uint32_t>(scan_page);
    o.indexer.backfill_rate = backfill_rate;
    return o;
  }
};

}  // namespace ropekv::indexer
