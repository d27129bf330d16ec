#pragma once
// Actor test doubles for the router's in-process tests, published on
// 127.0.0.1 with the middleman so the router reaches them exactly as it
// reaches real services (by "host:port" from the rope's nodes).
//
//  - segment double: net::segment_actor over one store_segment (a real
//    SQLite store; one replica, no Raft), detached because SQLite blocks;
//    `faults` make it answer not_leader / wrong_segment / unavailable for
//    the next n requests; (caf::put_atom, epoch) changes its epoch.
//  - follower double: answers every request not_leader with a fixed hint.
//  - placement double: serves a placement_model (rope, tables, nodes) that
//    the test edits; subscribe answers the full rope, (caf::flush_atom)
//    pushes what changed since the last answer or push.
// The test owns the returned handles and stops them with an exit message.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ropekv/proto/service.pb.h"
#include "ropekv/rope/rope.hpp"
#include "store_segment.hpp"

namespace ropekv::router::test {

struct segment_faults {
  std::atomic<int> not_leader{0};      // next n requests
  std::atomic<uint64_t> hint{0};       // leader hint of those answers
  std::atomic<int> wrong_segment{0};
  std::atomic<int> unavailable{0};
  std::atomic<int> requests{0};        // requests received
};

struct published_actor {
  caf::actor handle;
  uint16_t port = 0;
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }
};

published_actor spawn_segment_double(caf::actor_system& sys, std::unique_ptr<store_segment> store,
                                     std::shared_ptr<segment_faults> faults);
published_actor spawn_follower_double(caf::actor_system& sys, uint64_t leader_hint,
                                      std::shared_ptr<segment_faults> faults);

/// What the placement double serves; the test edits it under `mutex`.
struct placement_model {
  std::mutex mutex;
  rope::rope rope;
  std::map<std::string, pb::TableSchema> tables;
  std::map<uint64_t, std::string> nodes;  // id -> address
  uint32_t next_table_id = 10;
  std::vector<pb::AuthToken> tokens;  // RopeUpdate.tokens (router_auth_test)
  bool reachable_cluster = true;

  /// Replaces the segments; the rope's version goes up by one.
  void set_segments(std::vector<rope::segment> segments);
};

published_actor spawn_placement_double(caf::actor_system& sys, std::shared_ptr<placement_model> model);

}  // namespace ropekv::router::test
