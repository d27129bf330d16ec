#include "ropekv/net/http_server_metrics.hpp"

#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::net {

std::vector<prometheus::MetricFamily> http_server_families(const std::string& prefix, const http_server& server) {
  auto s = server.stats();
  std::vector<prometheus::MetricFamily> out;
  auto accepted = counter_family(prefix + "_connections_accepted_total", "TCP connections accepted");
  add_sample(accepted, {}, static_cast<double>(s.accepted));
  out.push_back(std::move(accepted));
  auto refused = counter_family(prefix + "_connections_refused_total", "connections refused by a limit");
  add_sample(refused, {{"reason", "max_connections"}}, static_cast<double>(s.refused_max_connections));
  out.push_back(std::move(refused));
  auto timeouts = counter_family(prefix + "_timeouts_total", "connections closed by a read deadline");
  add_sample(timeouts, {{"phase", "idle"}}, static_cast<double>(s.idle_timeouts));
  add_sample(timeouts, {{"phase", "header"}}, static_cast<double>(s.header_timeouts));
  add_sample(timeouts, {{"phase", "body"}}, static_cast<double>(s.body_timeouts));
  out.push_back(std::move(timeouts));
  auto tls = counter_family(prefix + "_tls_handshake_failures_total", "TLS handshakes that failed");
  add_sample(tls, {}, static_cast<double>(s.tls_handshake_failures));
  out.push_back(std::move(tls));
  auto open = gauge_family(prefix + "_connections_open", "connections open now");
  add_sample(open, {}, static_cast<double>(server.active_connections()));
  out.push_back(std::move(open));
  return out;
}

}  // namespace ropekv::net
