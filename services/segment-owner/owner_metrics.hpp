#pragma once
// owner_metrics: the segment-owner's Prometheus series and its ops HTTP
// endpoint (net::ops_endpoint: /healthz, /readyz, /metrics on
// --metrics-port; owners have no other HTTP surface).
//
//   ropekv_owner_stage_seconds{stage}      where a request's time goes inside
//                                          the owner's replicas
//                                          (consensus::replica_stage): queue,
//                                          commit, fsync, apply, read, wait
//   ropekv_owner_raft_commit_seconds       Raft commit latency of a proposal
//                                          (raft_apply to applied; the
//                                          commit stage on wider buckets)
//   ropekv_owner_replicas{role}            hosted replicas (leader|follower)
//   ropekv_owner_segment_bytes{segment,role}  SQLite bytes of each replica
//   ropekv_owner_segment_items{segment,role}  items of each replica (0: not
//                                          measured yet)
//   ropekv_owner_segment_epoch{segment}    the epoch each replica reports
//   ropekv_owner_heartbeats_accepted_total heartbeats placement accepted
//   ropekv_owner_registered                1 while placement accepts this
//                                          owner's heartbeats
//
// Per-replica series come from the last heartbeat placement accepted
// (owner_options::on_report), so they are at most one heartbeat old.
// Ready (GET /readyz 200): placement accepted a heartbeat within the last
// max(5 s, 5 heartbeats).
//
// Thread safety: observer() is called from every replica actor's thread;
// histogram updates are atomic. report() from the owner actor; scrapes from
// the endpoint's I/O thread (the last report is behind a mutex).
// serve()/stop() from main only.
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "owner_options.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/consensus/stage_observer.hpp"
#include "ropekv/net/metrics_registry.hpp"
#include "ropekv/net/ops_endpoint.hpp"

namespace ropekv::segment_owner {

class owner_metrics {
 public:
  explicit owner_metrics(std::chrono::milliseconds heartbeat = std::chrono::seconds(1));
  ~owner_metrics();

  /// Records a replica's stage timings here; valid while this object lives.
  consensus::stage_observer observer();
  /// For owner_options::on_report; valid while this object lives.
  std::function<void(const std::vector<replica_report>&)> reporter();
  /// For owner_options::on_replica_corrupt; valid while this object lives.
  std::function<void()> corrupt_counter();
  /// Serves /healthz, /readyz, /metrics on host:port (0: the OS picks one).
  status serve(const std::string& host, uint16_t port);
  uint16_t port() const noexcept;
  void stop();

  net::readiness ready() const;
  const net::metrics_registry& registry() const noexcept { return registry_; }
  /// More series built at scrape time (chunk backlog); at start-up only.
  void add_collector(net::metrics_registry::collector c) { registry_.add_collector(std::move(c)); }

 private:
  void report(const std::vector<replica_report>& replicas);
  std::vector<prometheus::MetricFamily> replica_families() const;

  using clock = std::chrono::steady_clock;
  const std::chrono::milliseconds ready_window_;
  net::metrics_registry registry_;
  std::array<net::histogram*, consensus::replica_stage_names.size()> stages_{};
  net::histogram* commit_ = nullptr;
  net::counter* accepted_ = nullptr;
  net::counter* corrupt_ = nullptr;
  std::atomic<int64_t> last_accepted_ns_{0};  // clock epoch ns; 0: never
  mutable std::mutex mutex_;
  std::vector<replica_report> last_;
  std::unique_ptr<net::ops_endpoint> http_;
};

}  // namespace ropekv::segment_owner
