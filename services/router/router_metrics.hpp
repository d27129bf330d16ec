#pragma once
// router_metrics: the router's Prometheus series on a net::metrics_registry.
//
//   ropekv_router_requests_total{route,code}     responses by route and status
//   ropekv_router_request_seconds{route}         latency histogram
//   ropekv_router_retries_total{reason}          segment retries (not_leader,
//                                                wrong_segment, transport)
//   ropekv_router_inflight_requests              requests being served
//   ropekv_router_rope_version                   rope version routed by
//   ropekv_router_stage_seconds{stage}           one hop of a request: parse
//                                                (HTTP to parsed, validated),
//                                                dispatch (to its request actor
//                                                running), route (table, rope
//                                                and owner handle looked up,
//                                                to the first owner call sent),
//                                                owner_rpc (one call
//                                                to a segment-owner, answered),
//                                                encode (last answer to the
//                                                response handed to Beast)
//
// `route` is net::to_string(api_kind), or "unrouted" for requests rejected
// while parsing (bad target or escape, unknown path, 405, bad parameters or
// body): those never reach a handler. Thread-safe: series are
// registered once (the registry's mutex) and cached in atomics after that.
#include <array>
#include <atomic>
#include <optional>
#include <string_view>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::router {

enum class retry_reason : uint8_t { not_leader, wrong_segment, transport };
enum class router_stage : uint8_t { parse, dispatch, route, owner_rpc, encode };

class router_metrics {
 public:
  explicit router_metrics(net::metrics_registry& registry);

  /// kind: nullopt for an unrouted request.
  void record(std::optional<net::api_kind> kind, unsigned status, double seconds);
  void retry(retry_reason reason) { retries_[static_cast<size_t>(reason)]->inc(); }
  void stage(router_stage s, double seconds) { stages_[static_cast<size_t>(s)]->observe(seconds); }
  net::gauge& inflight() { return *inflight_; }
  net::gauge& rope_version() { return *rope_version_; }
  net::metrics_registry& registry() { return registry_; }

 private:
  static constexpr size_t routes = static_cast<size_t>(net::api_kind::metrics) + 2;
  static constexpr size_t statuses = 600;

  net::metrics_registry& registry_;
  std::array<std::array<std::atomic<net::counter*>, statuses>, routes> requests_{};
  std::array<net::histogram*, routes> latency_{};
  std::array<net::counter*, 3> retries_{};
  std::array<net::histogram*, 5> stages_{};
  net::gauge* inflight_ = nullptr;
  net::gauge* rope_version_ = nullptr;
};

}  // namespace ropekv::router
