#include "router_metrics.hpp"

#include <string>

namespace ropekv::router {
namespace {

constexpr std::string_view requests_name = "ropekv_router_requests_total";

std::string route_name(size_t index, size_t unrouted) {
  if (index == unrouted) return "unrouted";
  return std::string(net::to_string(static_cast<net::api_kind>(index)));
}

}  // namespace

router_metrics::router_metrics(net::metrics_registry& registry) : registry_(registry) {
  const size_t unrouted = routes - 1;
  for (size_t i = 0; i < routes; ++i)
    latency_[i] = &registry_.add_histogram("ropekv_router_request_seconds",
                                           "Time from request parsed to response handed back",
                                           net::default_latency_buckets(),
                                           {{"route", route_name(i, unrouted)}});
  const char* reasons[] = {"not_leader", "wrong_segment", "transport"};
  for (size_t i = 0; i < retries_.size(); ++i)
    retries_[i] = &registry_.add_counter("ropekv_router_retries_total",
                                         "Segment requests retried, by reason",
                                         {{"reason", reasons[i]}});
  const char* stages[] = {"parse", "dispatch", "route", "owner_rpc", "encode"};
  for (size_t i = 0; i < stages_.size(); ++i)
    stages_[i] = &registry_.add_histogram("ropekv_router_stage_seconds", "Time of one hop of a request",
                                          net::hop_latency_buckets(), {{"stage", stages[i]}});
  inflight_ = &registry_.add_gauge("ropekv_router_inflight_requests", "Requests being served");
  rope_version_ = &registry_.add_gauge("ropekv_router_rope_version", "Rope version routed by");
}

void router_metrics::record(std::optional<net::api_kind> kind, unsigned status, double seconds) {
  const size_t unrouted = routes - 1;
  size_t route = kind ? static_cast<size_t>(*kind) : unrouted;
  if (route >= routes) route = unrouted;
  size_t code = status < statuses ? status : 0;
  auto& slot = requests_[route][code];
  net::counter* c = slot.load(std::memory_order_acquire);
  if (!c) {
    // Registration returns the existing series when two threads race here.
    c = &registry_.add_counter(requests_name, "HTTP responses by route and status",
                               {{"route", route_name(route, unrouted)}, {"code", std::to_string(status)}});
    slot.store(c, std::memory_order_release);
  }
  c->inc();
  latency_[route]->observe(seconds);
}

}  // namespace ropekv::router
