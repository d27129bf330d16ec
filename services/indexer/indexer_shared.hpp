#pragma once
// indexer_shared: what every actor of one indexer process shares -- its
// options, the cluster view feeds and scans read through (the router's
// client side: placement link, owner directory, route table), its id and
// its counters. Owned by indexer_service through a shared_ptr.
//
// Thread safety: options are immutable after start; the route table,
// owner handles and atomics are safe from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "owner_directory.hpp"
#include "ropekv/common/result.hpp"
#include "placement_link.hpp"
#include "router_shared.hpp"
#include "segment_feed.hpp"

namespace ropekv::indexer {

struct indexer_options {
  /// CAF endpoint routers and placement reach (host:port once bound).
  std::string host = "127.0.0.1";
  /// Directory of the index files (index-<id>.db); empty: in memory.
  std::string data_dir;
  /// Liveness and progress reports to placement.
  std::chrono::milliseconds heartbeat{500};
  /// A feed long poll is held this long by the replica when nothing is new.
  std::chrono::milliseconds feed_wait{2'000};
  uint32_t feed_batch = 1'000;
  /// Backfill: items per scan page, and the most items per second it
  /// reads (0: no cap), so foreground writes keep their throughput.
  uint32_t scan_page = 500;
  double backfill_rate = 20'000;
  /// Longest wait an index query with after= may ask for.
  std::chrono::milliseconds max_after_wait{10'000};
};

struct indexer_counters {
  std::atomic<uint64_t> feed_reads{0};       // ChangesRequests and scan pages answered
  std::atomic<uint64_t> events_applied{0};   // feed events applied to indexes
  std::atomic<uint64_t> items_scanned{0};    // backfill items applied
  std::atomic<uint64_t> queries{0};          // index queries answered
  std::atomic<uint64_t> queries_behind{0};   // after= queries that timed out
};

/// One index replica held here, as its builder last reported it.
struct index_progress {
  std::string table;
  std::string name;
  pb::IndexReplicaState state;
};

/// The coordinator publishes its held indexes here at every heartbeat;
/// the ops endpoint's /metrics reads them (any thread).
class index_progress_board {
 public:
  void publish(std::map<uint32_t, index_progress> held) {
    std::lock_guard lock(mutex_);
    held_ = std::move(held);
  }
  std::map<uint32_t, index_progress> read() const {
    std::lock_guard lock(mutex_);
    return held_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<uint32_t, index_progress> held_;  // by index id
};

struct indexer_shared {
  indexer_shared(indexer_options opts, router::router_options cluster_opts)
      : options(std::move(opts)), cluster(std::make_shared<router::router_shared>(std::move(cluster_opts))) {}

  const indexer_options options;
  std::shared_ptr<router::router_shared> cluster;
  router::placement_link_actor placement_link;
  router::owner_directory_actor owner_directory;
  std::atomic<uint64_t> indexer_id{0};  // from placement; 0 until registered
  indexer_counters counters;
  index_progress_board progress;

  feed::feed_client feed_client() {
    return feed::feed_client{cluster, placement_link, owner_directory, &counters.feed_reads};
  }
};

/// data_dir/indexer.id: the id placement gave this indexer (0: none yet).
uint64_t load_indexer_id(const indexer_options& options);
status save_indexer_id(const indexer_options& options, uint64_t id);

}  // namespace ropekv::indexer
