#pragma once
// owner_metrics: the segment-owner's Prometheus series and the small HTTP
// endpoint that serves them (owners have no other HTTP surface).
//
//   ropekv_owner_stage_seconds{stage}   where a request's time goes inside
//                                       the owner's replicas
//                                       (consensus::replica_stage): queue,
//                                       commit, fsync, apply, read, wait
//
// Thread safety: observer() is called from every replica actor's thread;
// histogram updates are atomic. serve()/stop() from main only.
#include <array>
#include <memory>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/consensus/stage_observer.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::segment_owner {

class owner_metrics {
 public:
  owner_metrics();
  ~owner_metrics();

  /// Records a replica's stage timings here; valid while this object lives.
  consensus::stage_observer observer();
  /// Serves GET /metrics on host:port (0: the OS picks one).
  status serve(const std::string& host, uint16_t port);
  uint16_t port() const noexcept;
  void stop();

 private:
  net::metrics_registry registry_;
  std::array<net::histogram*, consensus::replica_stage_names.size()> stages_{};
  std::unique_ptr<net::http_server> http_;
};

}  // namespace ropekv::segment_owner
