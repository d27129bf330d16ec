#pragma once
// indexer_metrics: the indexer's Prometheus series and ops HTTP endpoint
// (net::ops_endpoint: /healthz, /readyz, /metrics on --metrics-port).
// Everything is read at scrape time from indexer_shared (its atomics and
// the coordinator's index_progress_board, refreshed every heartbeat).
//
//   ropekv_indexer_feed_lag_seconds{table,index}   how far behind the feed
//                                                  each held index is
//   ropekv_indexer_index_phase{table,index,phase}  1 for the replica's
//                                                  phase (assigned,
//                                                  backfilling, active)
//   ropekv_indexer_backfill_items_done{table,index}       items scanned
//   ropekv_indexer_backfill_items_estimated{table,index}  table items when
//                                                  the backfill began
//   ropekv_indexer_backfill_items_per_second{table,index} backfill rate
//   ropekv_indexer_index_entries{table,index}      rows in the index
//   ropekv_indexer_rebuilds{table,index}           times it started over
//   ropekv_indexer_indexes                         index replicas held
//   ropekv_indexer_events_applied_total            feed events applied
//   ropekv_indexer_items_scanned_total             backfill items applied
//   ropekv_indexer_feed_reads_total                feed reads and scan pages
//   ropekv_indexer_queries_total                   index queries answered
//   ropekv_indexer_queries_behind_total            after= queries timed out
//   ropekv_indexer_registered                      1 once placement gave an id
//
// Ready (GET /readyz 200): registered with placement and holding a rope.
#include <memory>
#include <string>

#include "indexer_shared.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/metrics_registry.hpp"
#include "ropekv/net/ops_endpoint.hpp"

namespace ropekv::indexer {

class indexer_metrics {
 public:
  indexer_metrics();
  ~indexer_metrics();

  /// The started service's shared state; must outlive serving (stop()
  /// first). Call before serve().
  void set_shared(indexer_shared& shared) { shared_ = &shared; }
  status serve(const std::string& host, uint16_t port);
  uint16_t port() const noexcept;
  void stop();

  net::readiness ready() const;
  const net::metrics_registry& registry() const noexcept { return registry_; }

 private:
  std::vector<prometheus::MetricFamily> families() const;

  const indexer_shared* shared_ = nullptr;  // set before serve()
  net::metrics_registry registry_;
  std::unique_ptr<net::ops_endpoint> http_;
};

}  // namespace ropekv::indexer
