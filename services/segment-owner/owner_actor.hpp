#pragma once
// The segment-owner actor (net::owner_actor): the one actor an owner
// process publishes. A thin CAF shell around owner_state (decisions),
// placement_session and peer_book (when to talk to whom) and data_dir
// (files); it runs detached because it writes small files synchronously
// (node.id, assignments) and deletes dropped replicas.
//
// Forwarding (routers, indexers, other owners -> replicas here):
//   * Get/Write/Range/Scan/Partition/Changes/Membership/Split requests are
//     delegated by Routing.segment_id to the local replica actor, which
//     answers the original sender directly; a segment not hosted here
//     answers Status wrong_segment, one being reopened unavailable.
//   * RaftEnvelope goes by its segment_id (the Raft group) to the local
//     member; one for a group not hosted (yet) is dropped — Raft retries.
//   * Outbound envelopes never pass through this actor: every replica
//     actor sends straight to the peer owner's handle that the shared
//     segment::peer_directory holds for (group, node). This actor fills
//     the directory: node id -> "host:port" (assignments' peers and
//     placement's node list) -> a remote handle connected asynchronously
//     through the middleman (never blocking), cached, monitored, and
//     reconnected with backoff. An envelope arriving from a peer whose
//     entry is missing or from an older incarnation also teaches the
//     directory its sender as the return path, so a peer that restarted on
//     a new port is reachable even while placement is down.
//
// Placement protocol (services/placement/placement_actor.hpp), owner side:
//   register with the owner_control handle and the saved id (0 the first
//   time; node.id written atomically before it is used); re-register
//   whenever the handle goes down or a heartbeat answers not_found; a
//   register answered not_found asks for a new id. After registering it
//   subscribes to rope updates for node addresses. Heartbeats every
//   heartbeat-ms with one SegmentReport per running replica (epoch and
//   is_leader from the replica's last probe, bytes = file + WAL size,
//   items = the store's live items from the leader's probe (0 on
//   followers), reads/writes per second counted here as requests are
//   forwarded). Placement being down never stops the data path;
//   only new assignments (and split proposals) wait.
//   Split proposals (owner_splits.cpp, docs/agency.md): every
//   split-check-interval the leader of a segment past the split size or
//   the load threshold sends placement a SplitSegmentRequest (segment,
//   rope epoch, split key); placement orders the split back through this
//   owner's replica (SplitRequest above). One in flight per segment;
//   refusals back off.
//   SegmentAssignment (stale epochs ignored):
//     hosted already -> recorded (bootstrap ignored); the leader's owner
//       then moves the configuration to segment.replicas (membership_plan);
//     a file on disk  -> reopened;
//     bootstrap=true  -> created with exactly `peers` as voters;
//     bootstrap=false -> joined empty, waiting for the leader's snapshot.
//   SegmentDrop: the replica actor is stopped (it closes its SQLite file),
//   then its files are deleted.
//
// Probes: every heartbeat-ms each replica is asked to describe itself (a
// MembershipRequest PROMOTE of node 0, which libs/segment answers with its
// descriptor and changes nothing — the replica actor has no describe
// message yet; on the leader the descriptor's stats carry the store's
// items and logical bytes, which split decisions use). Leader changes, splits and finished moves are logged from
// the answers.
//
// Shutdown (SIGTERM/SIGINT in main, stop_owner): on the exit message the
// owner first hands off leadership (leader_handoff.hpp): every replica is
// asked for a TRANSFER_LEADER to node 0 (c-raft picks the most up-to-date
// other voter); non-leaders answer not_leader at once, leaders once another
// voter leads. Each transfer is logged (event=leader_transfer segment=..
// to=.. outcome=ok|failed|timeout ms=..). When every answer is in, or
// after handoff_budget (3 s), every replica actor is stopped (each closes
// its file; a failed transfer is closed anyway and the group elects) and
// the owner quits when the last is gone, so once its down message is out
// every SQLite file is closed. A second exit message skips the wait.
#include <caf/actor_system.hpp>

#include "data_dir.hpp"
#include "owner_options.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::segment_owner {

/// `saved` is the node id from node.id (0: none yet). The actor does
/// nothing until it gets (listen_atom, "host:port") from main.
net::owner_actor spawn_owner(caf::actor_system& sys, owner_options options, data_dir dir, node_id saved);

}  // namespace ropekv::segment_owner
