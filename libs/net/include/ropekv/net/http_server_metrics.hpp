#pragma once
// The limits of an http_server as Prometheus families, for a collector:
//
//   <prefix>_connections_accepted_total
//   <prefix>_connections_refused_total{reason="max_connections"}
//   <prefix>_timeouts_total{phase="idle"|"header"|"body"}
//   <prefix>_tls_handshake_failures_total
//   <prefix>_connections_open
//
// e.g. prefix "ropekv_router_http" (docs/security.md "Limits").
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

#include "ropekv/net/http_server.hpp"

namespace ropekv::net {

std::vector<prometheus::MetricFamily> http_server_families(const std::string& prefix, const http_server& server);

}  // namespace ropekv::net
