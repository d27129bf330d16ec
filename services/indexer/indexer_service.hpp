#pragma once
// indexer_service: one indexer -- the coordinator actor (published for
// placement and routers), the cluster view feeds and scans read through
// (placement link + owner directory, reused from the router) and the index
// files under data_dir -- wired together on a given actor system. main.cpp,
// ropekv-dev and the tests use it.
#include <caf/actor_system.hpp>

#include <memory>
#include <optional>
#include <string>

#include "coordinator.hpp"
#include "indexer_shared.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::indexer {

struct indexer_service_options {
  indexer_options indexer;
  router::router_options cluster;
  uint16_t caf_port = 0;  // 0: the OS picks
  std::string placement = "127.0.0.1:7400";
  std::optional<net::placement_actor> placement_handle;  // in-process (ropekv-dev)
};

class indexer_service {
 public:
  indexer_service(caf::actor_system& sys, indexer_service_options options);
  ~indexer_service();  // stop()
  indexer_service(const indexer_service&) = delete;
  indexer_service& operator=(const indexer_service&) = delete;

  /// Creates data_dir, starts the actors, publishes the coordinator.
  status start();
  uint16_t caf_port() const noexcept { return caf_port_; }
  /// Stops the builders (their files stay) and the actors. Idempotent.
  void stop();

  indexer_shared& shared() noexcept { return *shared_; }

 private:
  caf::actor_system& sys_;
  indexer_service_options options_;
  std::shared_ptr<indexer_shared> shared_;
  caf::actor coordinator_;
  uint16_t caf_port_ = 0;
};

}  // namespace ropekv::indexer
