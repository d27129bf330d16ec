#pragma once
// dev_cluster: the embedded mode (DESIGN §1) -- placement, N segment-owners,
// a router, a notifier and an indexer as actors of one actor system, on one
// data directory:
//
//   <data_dir>/placement/placement.db     placement's catalog (instance 1;
//   <data_dir>/placement-<k>/             instances 2..N of the group)
//   <data_dir>/owner-<i>/                 owner i (1..N): node.id, segments/
//   <data_dir>/notifier/notifier.db       webhook delivery state
//   <data_dir>/indexer/                   index files (index-<id>.db)
//
// Same code paths as the separate processes: start_placement, start_owner,
// router_service, notifier_service and indexer_service, each published on
// 127.0.0.1 with an OS-picked port. Owners reach placement and each other
// by "host:port" through the middleman (which hands back a local handle for
// an actor of this process); the router, the notifier and the indexer get
// placement's handle directly and reach owners (and the router the
// indexer) by address. Owner i declares rack r<i> and host label dev-<i>,
// so the default replication factor of 3 places one replica on each of 3
// owners.
//
// Threads: start() and stop() from one controlling thread (stop() joins the
// router's I/O threads), never from a CAF worker.
#include <caf/actor_system.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "owner_start.hpp"
#include "placement_start.hpp"
#include "ropekv/common/result.hpp"
#include "indexer_service.hpp"
#include "notifier_service.hpp"
#include "router_service.hpp"

namespace ropekv::dev {

struct dev_options {
  std::string data_dir = "data";
  uint16_t http_port = 8080;  // 0: the OS picks one
  uint16_t ws_port = 8088;    // the notifier's WebSocket; 0: the OS picks one
  unsigned owners = 3;
  /// Placement instances, one Raft group (placement_group.hpp), each
  /// published on its own port like separate processes would be.
  unsigned placements = 3;
};

class dev_cluster {
 public:
  explicit dev_cluster(caf::actor_system& sys) : sys_(sys) {}
  ~dev_cluster();  // stop()
  dev_cluster(const dev_cluster&) = delete;
  dev_cluster& operator=(const dev_cluster&) = delete;

  /// Starts placement, then the owners, then the router's HTTP server, the
  /// notifier and the indexer. On failure whatever was started is stopped
  /// again.
  status start(const dev_options& options);
  /// The router's HTTP port (valid after a successful start()).
  uint16_t http_port() const noexcept { return router_ ? router_->port() : 0; }
  /// The notifier's WebSocket URL (valid after a successful start()).
  std::string ws_url() const { return notifier_ ? notifier_->ws_url() : std::string(); }
  /// The indexer's CAF endpoint, "127.0.0.1:port" (valid after a successful
  /// start()).
  std::string indexer_address() const;
  /// The indexer first (builders stop reading feeds, index files closed),
  /// then the notifier, the router (drains HTTP), the owners (every replica
  /// file closed), then placement (catalog closed): each before what it
  /// reads from. Idempotent.
  void stop();

 private:
  /// Polls placement until every owner registered at its current address.
  bool wait_for_owners(std::chrono::seconds limit);

  caf::actor_system& sys_;
  std::optional<placement_service::placement_endpoint> placement_;  // instance 1
  std::vector<placement_service::placement_endpoint> more_placements_;  // 2..N
  std::vector<segment_owner::owner_endpoint> owners_;
  std::unique_ptr<router::router_service> router_;
  std::unique_ptr<notifier::notifier_service> notifier_;
  std::unique_ptr<indexer::indexer_service> indexer_;
};

}  // namespace ropekv::dev
