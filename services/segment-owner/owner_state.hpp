#pragma once
// owner_state: what a segment-owner knows about the replicas it hosts, and
// every decision it takes about them, as a plain class the unit tests
// drive without CAF (owner_actor is the shell that sends the messages).
//
// Decisions: where a request or a Raft envelope goes (forwarding), what an
// assignment or a drop from placement means here (create / join / open /
// update / ignore), what a replica's probe reveals (leader changes, a move
// completed), the next membership step of a group this node leads, and the
// heartbeat's per-segment reports.
//
// Owns: one hosted_replica per Raft group hosted here, an index from
// segment id (what routers send) to group, the highest epoch placement ever
// named per segment. Who touches it: the owner actor, one thread at a time;
// nothing here is thread-safe.
//
// Invariants:
//   * every hosted group has exactly one entry; the segment index maps each
//     entry's current segment id to its group and nothing else;
//   * an assignment with an epoch below the highest seen for its segment is
//     never applied (stale);
//   * a request is forwarded only to a running replica; an entry being
//     dropped answers wrong_segment (the segment moved away);
//   * a replica reports the assigned epoch only once its own configuration
//     equals the assigned replica set (the move is done).
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "load_meter.hpp"
#include "ropekv/common/ids.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/segment/segment_options.hpp"
#include "split_policy.hpp"

namespace ropekv::segment_owner {

enum class replica_phase {
  running,    // its actor runs (or is opening its file)
  reopening,  // its actor died; the owner reopens the file after a backoff
  dropping,   // closing, then its files are deleted
};

struct hosted_replica {
  segment_id group;    // Raft group = the id the replica was created with
  segment_id segment;  // routing id: the replica's meta id (differs from group after a split)
  std::string path;
  replica_phase phase = replica_phase::running;

  // From placement.
  std::optional<pb::SegmentAssignment> assignment;  // the last one applied
  uint64_t assigned_epoch = 0;

  // The replica's own view, from its last probe.
  bool probed = false;
  uint64_t epoch = 0;
  std::vector<uint64_t> voters;
  node_id leader;
  uint64_t adopted_epoch = 0;  // assigned epoch whose replica set the voters equal

  // Leader-side membership bookkeeping (membership_plan).
  std::set<uint64_t> standbys;
  bool step_in_flight = false;

  // Load since the last heartbeat, counted as requests are forwarded.
  uint64_t reads = 0;
  uint64_t writes = 0;

  // Owner-driven splits (owner_splits.cpp). Size from the leader's probes
  // (the store's aggregates; only a leader's probe carries them), load
  // decayed and sampled as requests are forwarded, and the proposal gate.
  std::string start_key, end_key;  // the replica's range, from its last probe
  bool measured = false;
  uint64_t items = 0;
  uint64_t logical_bytes = 0;
  load_meter load;
  split_gate split;
};

enum class load_kind { read, write, other };

struct route {
  enum class kind { forward, wrong_segment, unavailable };
  kind what = kind::wrong_segment;
  segment_id group;
  /// The router's epoch was named by placement for this segment but the
  /// replica's stored epoch is older (a membership change bumps the epoch
  /// in the rope, not in the replica's store): drop it so the replica's
  /// own check — id and key range, which such a change never alters —
  /// decides.
  bool clear_epoch = false;
  std::string why;
};

struct assignment_decision {
  enum class kind {
    invalid,     // no segment id
    stale,       // an older epoch than one already seen
    not_member,  // names a replica set without this node, and nothing is hosted
    dropping,    // the replica is being deleted; placement repeats itself later
    update,      // hosted already: assignment recorded (bootstrap ignored)
    open,        // not running but its file exists: reopen it
    create,      // bootstrap a new group with exactly the peers as members
    join,        // an empty replica waiting to be added by the leader
  };
  kind what = kind::invalid;
  segment_id group;
};

struct drop_decision {
  enum class kind { unknown, stale, already, close, remove };
  kind what = kind::unknown;  // close: stop the actor, then remove; remove: no actor runs
  segment_id group;
};

struct probe_events {
  bool leader_changed = false;
  node_id previous_leader;
  node_id leader;
  bool renamed = false;  // the replica's segment id changed (a split applied)
  uint64_t previous_segment = 0;
  bool adopted = false;  // the assigned replica set is now the configuration
  uint64_t adopted_epoch = 0;
};

class owner_state {
 public:
  explicit owner_state(node_id self = {}) : self_(self) {}

  node_id self() const noexcept { return self_; }
  void set_self(node_id id) { self_ = id; }

  // ------------------------------------------------------------ hosting
  /// Adds (or replaces) the entry of `group`, running.
  hosted_replica& host(segment_id group, std::string path, std::optional<pb::SegmentAssignment> assignment);
  hosted_replica* by_group(segment_id group);
  const hosted_replica* by_group(segment_id group) const;
  hosted_replica* by_segment(uint64_t segment);
  void forget(segment_id group);
  const std::map<uint64_t, hosted_replica>& replicas() const noexcept { return replicas_; }
  void set_phase(segment_id group, replica_phase phase);

  // --------------------------------------------------------- forwarding
  /// Where a request routed by `routing` goes; counts it as load when it
  /// is forwarded.
  route route_request(const pb::Routing& routing, load_kind kind);
  /// The group whose replica gets the envelope; nullopt: drop it (not
  /// hosted, or not running — Raft retransmits).
  std::optional<segment_id> route_envelope(const pb::RaftEnvelope& envelope) const;

  // ------------------------------------------------------------ placement
  /// Applies the assignment to the state (recording it, hosting a new
  /// entry for open/create/join) and says what the actor must do.
  /// `file_exists`: a replica file for the segment is on disk.
  assignment_decision on_assignment(const pb::SegmentAssignment& a, bool file_exists);
  drop_decision on_drop(const pb::SegmentDrop& d);

  // ------------------------------------------- replica observations
  /// A probe's answer: the replica's descriptor (id, epoch, voters,
  /// leader hint).
  probe_events on_probe(segment_id group, const pb::SegmentDescriptor& seen);
  /// The next membership step for a group this node leads, marked in
  /// flight; nullopt when there is none or one is in flight already.
  std::optional<pb::MembershipRequest> next_membership_step(segment_id group);
  void on_membership_reply(segment_id group, const pb::MembershipRequest& req, const pb::AdminReply& reply);

  // ----------------------------------------------------------- peers
  /// Every other node named by a hosted replica's assignment or
  /// configuration: the owners this one must reach.
  std::set<node_id> peers() const;

  // ---------------------------------------------------------- reports
  /// One SegmentReport per running replica; rates over `elapsed`, load
  /// counters reset. `bytes_of(path)`: the replica's size on disk.
  pb::Heartbeat heartbeat(std::chrono::duration<double> elapsed,
                          const std::function<uint64_t(const std::string&)>& bytes_of);
  /// The epoch a replica reports: its own, or the assigned one once the
  /// move it names is done.
  static uint64_t reported_epoch(const hosted_replica& r);

 private:
  node_id self_;
  std::map<uint64_t, hosted_replica> replicas_;  // by group
  std::map<uint64_t, uint64_t> by_segment_;      // segment id -> group
  std::map<uint64_t, uint64_t> seen_epochs_;     // segment id -> highest epoch placement named
};

/// The initial configuration of a bootstrapped group: the assignment's
/// replicas in its order, addresses from its peers, all voters — identical
/// on every member because every member gets the same assignment.
std::vector<segment::member_info> initial_members(const pb::SegmentAssignment& a);

}  // namespace ropekv::segment_owner
