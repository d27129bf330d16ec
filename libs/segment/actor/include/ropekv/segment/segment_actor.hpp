#pragma once
// The CAF shell around one segment_replica (target ropekv::segment_actor).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/segment/peer_directory.hpp"
#include "ropekv/segment/segment_options.hpp"
#include "ropekv/store/types.hpp"

namespace ropekv::segment {

/// net::segment_actor plus what only owners and peers send: the change
/// feed, admin requests, and the actor's own poll tick. A handle of this
/// type converts to net::segment_actor.
using segment_replica_actor = net::segment_actor::extend<
    caf::replies_to<pb::ChangesRequest>::with<pb::ChangesReply>,
    caf::replies_to<pb::MembershipRequest>::with<pb::AdminReply>,
    caf::replies_to<pb::SplitRequest>::with<pb::AdminReply>,
    caf::replies_to<pb::ManifestRequest>::with<pb::ManifestReply>,
    caf::reacts_to<tick_atom>>;

struct segment_actor_config {
  enum class start_mode { open, create, join };
  start_mode mode = start_mode::open;
  std::string path;
  /// `clock` empty: wall_clock(). `send` is always replaced by the actor
  /// (envelopes go to peers found in `directory`).
  segment_options options;
  store::segment_meta meta;              // create
  std::vector<member_info> members;      // create
  segment_id group;                      // join
  std::shared_ptr<peer_directory> directory;
  /// How often the actor polls its replica when nothing else wakes it.
  std::chrono::milliseconds tick{10};
  /// SQLite blocks, so production actors run on their own thread. CAF's
  /// testing scheduler runs no detached actors: tests pass false.
  bool detached = true;
};

/// Microseconds of wall time, never going backwards within the process.
int64_t wall_clock();

/// What an owner stamps into Routing::forwarded_ns as it hands a request
/// to a replica actor of its process (steady clock, ns); the actor reports
/// the difference as replica_stage::wait.
uint64_t forwarded_stamp();

/// Spawns the actor and registers it in the directory under (group, self).
/// If the replica cannot be opened the actor quits with the error.
/// The right half of a split is spawned the same way (same options) by the
/// actor that applied it, and registered in the same directory.
segment_replica_actor spawn_segment_actor(caf::actor_system& sys, segment_actor_config config);

}  // namespace ropekv::segment
