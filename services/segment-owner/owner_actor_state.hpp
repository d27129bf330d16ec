#pragma once
// The owner actor's state and the functions its handlers share, split by
// concern: owner_actor.cpp (behavior, forwarding, lifecycle),
// owner_replicas.cpp (replica actors, probes, moves, drops),
// owner_links.cpp (placement and peer connections), owner_splits.cpp
// (owner-driven splits). Private to the
// service: only the owner actor's own handlers touch any of it.
#include <caf/all.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "data_dir.hpp"
#include "leader_handoff.hpp"
#include "owner_options.hpp"
#include "owner_state.hpp"
#include "peer_book.hpp"
#include "disk_guard.hpp"
#include "placement_session.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/segment/peer_directory.hpp"
#include "ropekv/segment/segment_actor.hpp"

namespace ropekv::segment_owner {

/// A replica rebuilt empty after its file failed its checks asks the
/// group's leader to remove this node from the voters, so the leader's
/// owner adds it back as a new member that catches up from a snapshot
/// (c-raft keeps a voter's match index, which an emptied log would
/// contradict: the leader would never resend what it believes is there).
struct rebuild_plan {
  uint64_t segment = 0;
  std::vector<uint64_t> peers;  // whom to ask, in turn
  size_t next = 0;
  uint64_t hint = 0;            // a leader named by a not_leader answer
  time_point at{};
  bool in_flight = false;
  unsigned attempts = 0;
};

struct reopen_plan {
  time_point at;
  backoff retry{std::chrono::milliseconds(500), std::chrono::seconds(30)};
};

/// Owns the decisions (core), the sessions, the replica actors' handles,
/// the remote owners' handles and the directory the replica actors send
/// through. Invariant: `actors` holds exactly the replica actors this
/// owner started or adopted and has not seen go down.
struct owner_actor_state {
  owner_options opts;
  std::optional<data_dir> dir;
  owner_state core;
  placement_session session{std::chrono::seconds(1), std::chrono::milliseconds(200), std::chrono::seconds(5)};
  peer_book peers{std::chrono::milliseconds(200), std::chrono::seconds(5)};
  std::shared_ptr<segment::peer_directory> directory = std::make_shared<segment::peer_directory>();

  std::string address;  // "host:port" this actor is published at
  bool started = false;
  bool stopping = false;
  caf::error stop_reason;
  /// Set while a graceful stop waits for leadership transfers (replicas
  /// not closed yet); reset once they close.
  std::optional<leader_handoff> handoff;
  time_point handoff_started{};

  net::placement_actor placement;
  std::map<uint64_t, segment::segment_replica_actor> actors;  // group -> replica actor
  std::map<uint64_t, net::segment_actor> peer_handles;        // node -> remote owner
  std::map<uint64_t, reopen_plan> reopen;                     // group -> when to reopen
  disk_guard disk;  // full: writes answer insufficient_storage, no reopens (disk_guard.hpp)
  std::map<uint64_t, rebuild_plan> rebuilds;  // group -> removal of this node still to ask for

  time_point last_report = clock::now();
  time_point next_probe{};
  time_point next_split_check{};

  static inline const char* name = "ropekv.segment_owner";
};

using owner_pointer = net::owner_actor::stateful_pointer<owner_actor_state>;

// owner_replicas.cpp
void open_existing(owner_pointer self);
void on_assignment(owner_pointer self, const pb::SegmentAssignment& a);
void on_drop(owner_pointer self, const pb::SegmentDrop& d);
/// A replica actor went down: dropped, stopped, or failed (reopen later).
void on_replica_down(owner_pointer self, segment_id group, const caf::error& reason);
void probe_all(owner_pointer self);
void reopen_due(owner_pointer self, time_point now);
/// Free space of the data dir once the disk was found full: when there is
/// room again, every replica waiting for it reopens at once.
void check_disk(owner_pointer self, time_point now);
/// Asks the leaders of rebuilt replicas' groups to remove this node (rebuild_plan).
void drive_rebuilds(owner_pointer self, time_point now);
/// Free bytes the data dir needs before replicas closed by a full disk reopen.
inline constexpr uint64_t disk_resume_bytes = 1u << 20;
void adopt_split_children(owner_pointer self);

// owner_splits.cpp
/// Every split check interval: decays the load of every replica and has
/// each segment led here that is too large or too hot proposed for a split.
void check_splits(owner_pointer self, time_point now);

// owner_links.cpp
void drive_placement(owner_pointer self, time_point now);
void connect_peers(owner_pointer self, time_point now);
void on_rope_update(owner_pointer self, const pb::RopeUpdate& update);
/// Learns a peer's address; a changed one drops the stale connection.
void learn_peer(owner_pointer self, const pb::NodeDescriptor& node);
/// Gives the replica of `group` every connected peer in the directory.
void publish_peers(owner_pointer self, segment_id group);
/// The handle of a placement or peer connection went down.
bool on_link_down(owner_pointer self, const caf::actor_addr& source);
void learn_return_path(owner_pointer self, const pb::RaftEnvelope& envelope);

}  // namespace ropekv::segment_owner
