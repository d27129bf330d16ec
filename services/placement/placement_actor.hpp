#pragma once
// The placement actor: a thin CAF shell around placement_state. It owns the
// state, the owners' control handles (by node id) and the rope subscribers;
// it turns every handler's effects into messages. It runs detached (its own
// thread) because placement_state writes SQLite synchronously.
//
// Protocol (net::placement_actor, net::owner_control, net::rope_subscriber
// in libs/net):
//
// Segment-owners
//   1. request(placement, RegisterNode{node}, control) where control is the
//      owner's net::owner_control handle. node.id 0 asks for a new id; the
//      owner persists the id it gets and re-registers with it after every
//      restart, and whenever its handle to placement goes down (placement
//      restarted): same id, same replicas. not_found: the id is unknown
//      here, register with id 0.
//   2. Heartbeat{node_id, segments} every few seconds (well under
//      down_after, default 30 s), one SegmentReport per hosted replica:
//      epoch as the replica knows it, is_leader, stats (taken from leaders).
//      Reply Status; not_found means "register again".
//   3. SegmentAssignment: host segment.id with replica set segment.replicas
//      at segment.epoch; peers holds every replica's NodeDescriptor
//      (addresses). An assignment with a lower epoch than one already seen
//      for the segment is stale: ignore it.
//        bootstrap=true   a new group (a new table, or a resync of a group
//                         whose epoch is still 1): with no local state,
//                         create the replica and bootstrap Raft with exactly
//                         `peers` as the configuration; with state, ignore
//                         the flag.
//        bootstrap=false  a membership change (repair or balance move).
//                         An owner not hosting the segment creates an empty
//                         replica and waits to be added (snapshot from the
//                         leader). The group's leader moves the
//                         configuration to segment.replicas: add each new
//                         node as a non-voter, promote it once caught up,
//                         then remove nodes not in the set (transferring
//                         leadership first if it is one of them). When that
//                         configuration is committed, the replicas adopt
//                         segment.epoch (through the log) and report it.
//      Placement counts the move done when any node of the target set
//      reports the segment with epoch >= the assignment's epoch; only then
//      does the rope change (new replicas, new epoch) and the removed node
//      get a SegmentDrop.
//   4. MembershipRequest TRANSFER_LEADER (placement -> the leader's owner,
//      request/reply): the leader spread asks the segment's leader to hand
//      leadership to routing.segment_id's replica on node_id; the owner
//      forwards it to its replica like any admin request. Placement only
//      logs the answer; the next heartbeats' is_leader move the leader hint.
//   5. SegmentDrop: delete the replica (table dropped, moved away, or a
//      replica placement does not place on this node, e.g. after the node
//      was down and repaired around). Idempotent: it repeats on every
//      heartbeat that still reports the replica.
//
// Routers, indexers, notifiers
//   request(placement, subscribe_atom, handle) replies with the full rope
//   (delta.from_version 0) plus all tables and nodes; then every change is
//   pushed to `handle` as a RopeUpdate whose delta goes from the previous
//   update's to_version (from == to: only tables or nodes changed). A
//   subscriber whose version differs from delta.from_version missed an
//   update and subscribes again. Gap segments (no replicas) cover keys of no
//   table: answer not_found there. Dead subscribers are dropped (monitored).
//
// Notifiers
//   1. request(placement, RegisterNotifier{notifier}, handle): id 0 asks
//      for a new id; a notifier re-registers with its id (after a
//      not_found heartbeat, or when its link to placement went down) and
//      keeps it. The reply (RegisterNotifierReply) comes first, then a full
//      RopeUpdate is pushed to `handle`, which from then on gets every
//      update like a subscriber (subscribe_atom) does.
//   2. NotifierHeartbeat{notifier_id, hooks} every ~500 ms, one HookReport
//      per hook it holds (delivery state, cursor). Reply Status;
//      not_found: register again. A notifier silent for notifier_timeout
//      (default 3 s), or whose handle goes down, is dead: it leaves
//      RopeUpdate.notifiers and its hooks are handed to the others.
//   3. Every RopeUpdate carries the live notifiers and all hooks; a hook's
//      state.notifier_id names the one notifier that delivers it (0: none
//      alive). A notifier delivers exactly the hooks assigned to it,
//      starting from state.cursor when it takes one over (that is the last
//      cursor its previous holder reported; the other state fields may be
//      stale). Reports about hooks it does not hold are ignored. An update
//      goes out when the live notifiers or a hook's spec or holder change,
//      not for heartbeats.
//
// Routers: CreateTokenRequest, ListTokensRequest, RevokeTokenRequest
// (/v1/auth/tokens). Replies never carry a hash; a create's reply carries
// the secret. Every change goes out at once in RopeUpdate.tokens (hashes
// of all live tokens), which routers and notifiers authenticate against.
//
// Routers: DrainNodeRequest{node_id, draining} starts or cancels a drain
// (persisted; repair moves the node's replicas away). Reply DrainNodeReply
// with the node's load; not_found: no such node.
//
// Routers: PutHookRequest, (hooks_atom), (hooks_atom, name) and
// (hooks_atom, drop_atom, name) define, list, read and delete hooks; their
// replies never carry the secret.
//
// Indexers (global secondary indexes)
//   1. request(placement, RegisterIndexer{indexer}, handle): ids as for
//      notifiers (0: new; a known id is kept). Reply first, then a full
//      RopeUpdate to `handle`, which gets every update from then on.
//   2. IndexerHeartbeat{indexer_id, indexes} every ~500 ms, one IndexReport
//      per index replica it holds. Reply Status; not_found: register again.
//      Silent for indexer_timeout (default 3 s), or its handle down: dead;
//      its replicas leave every index and other live indexers take them.
//   3. RopeUpdate.indexers: the live indexers; RopeUpdate.indexes: every
//      index with `replicas`, one IndexReplicaState per holder (phase
//      INDEX_ASSIGNED until the holder reports). An indexer builds exactly
//      the indexes listing it (backfill, then tail) and drops the others.
//      Each index has min(index_replicas (default 2), live indexers)
//      holders; joining indexers top up under-replicated indexes only (no
//      rebalancing of held ones). Reports about indexes it does not hold
//      are ignored. An update goes out at once when indexers, definitions,
//      holders, or a replica's phase / last_error / rebuilds change;
//      progress alone at most once per index_progress_interval (1 s).
//
// Routers: PutIndexRequest (same definition again: created=false; a
// different one under the name: already_exists), (indexes_atom, table),
// (indexes_atom, table, name), (indexes_atom, drop_atom, table, name).
// Dropping a table drops its indexes.
//
// Replicated placement (placement_front.hpp, docs/reliability.md): this
// actor runs only on the group's leader. Its catalog is a replicated batch;
// deliver() commits the batch through the Raft log BEFORE any effect of the
// handler leaves, and a handler's reply follows deliver(), so nothing
// uncommitted is ever acknowledged or pushed. A handler that writes the
// catalog must call deliver() before it returns its reply. A heartbeat from
// an owner whose control handle this server does not hold (a new leader)
// answers not_found: the owner registers again with its id.
//
// Not persisted: liveness (every known node starts alive, with down_after
// to heartbeat; no notifier or indexer is live until it registers), moves
// in flight (repair plans again after a restart), hook assignment, index
// replica states. Hooks and their last saved delivery state (at most
// hook_save_interval old) are; so are indexes with their holders' ids: for
// indexer_timeout after a restart an index waits for its saved holders
// (they have built it) before others may take it.
#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "placement_state.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::placement_service {

/// The actor. Owns placement_state, the owners' control handles and the
/// subscribers; touched only by its own messages. on_exit() closes the
/// catalog, so once the actor is gone (its down message sent) every
/// acknowledged change is on disk and the file is closed.
class placement_server : public net::placement_actor::base {
 public:
  /// Builds the state on the actor's own thread (a replicated catalog's
  /// first commit blocks until the group commits it).
  using state_opener = std::function<result<std::unique_ptr<placement_state>>()>;

  placement_server(caf::actor_config& cfg, std::unique_ptr<placement_state> core);
  placement_server(caf::actor_config& cfg, state_opener opener);

  net::placement_actor::behavior_type make_behavior() override;
  void on_exit() override;
  const char* name() const override { return "ropekv.placement"; }

 private:
  time_point now() const;
  void subscribe(const net::rope_subscriber& sub);
  /// Sends what the last handler decided (placement_state::take_effects).
  void deliver();
  void schedule_tick();
  void forget(const caf::actor_addr& gone);
  /// Sends the split to `to` (the segment's leader as far as placement
  /// knows) and follows a not_leader answer's hint, `tries` times at most.
  void order_split(pb::SplitRequest req, node_id to, int tries,
                   caf::typed_response_promise<pb::SplitSegmentReply> rp);

  std::unique_ptr<placement_state> core_;
  state_opener opener_;
  std::map<uint64_t, net::owner_control> owners_;  // node id -> its control handle
  std::vector<net::rope_subscriber> subscribers_;
  std::map<uint64_t, net::rope_subscriber> notifiers_;  // notifier id -> its handle
  std::map<uint64_t, net::rope_subscriber> indexers_;   // indexer id -> its handle
};

/// Hands `core` over to a new placement actor. detached=false only for
/// tests on CAF's test_coordinator, which runs actors on the test's thread.
net::placement_actor spawn_placement(caf::actor_system& sys, std::unique_ptr<placement_state> core,
                                     bool detached = true);
/// The replicated form (placement_front): a detached server whose state
/// `opener` builds from the committed catalog. If that fails, or a later
/// catalog commit fails (lost leadership, no quorum), the server exits with
/// an error: it never acknowledges, nor sends effects of, an uncommitted
/// change, and the front rebuilds it from the catalog.
net::placement_actor spawn_placement(caf::actor_system& sys, placement_server::state_opener opener);

}  // namespace ropekv::placement_service
