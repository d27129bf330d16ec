#pragma once
// Typed actor interfaces between services. Requests carry their routing
// (segment id + epoch); replies carry a pb::Status rather than a caf::error,
// so a typed outcome (not_leader with a leader hint, wrong_segment, condition
// failure) survives the network unchanged. caf::error remains for transport
// failures only (timeouts, a peer that went down), which callers map to
// errc::unavailable.
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

#include "ropekv/net/type_ids.hpp"

namespace ropekv::net {

/// One segment replica (a Raft group member with its own SQLite file), or an
/// owner that forwards by Routing.segment_id to the replica it hosts.
using segment_actor = caf::typed_actor<
    caf::replies_to<pb::GetRequest>::with<pb::GetReply>,
    caf::replies_to<pb::WriteRequest>::with<pb::WriteReply>,
    caf::replies_to<pb::RangeRequest>::with<pb::ItemsReply>,
    caf::replies_to<pb::ScanRequest>::with<pb::ItemsReply>,
    caf::replies_to<pb::PartitionRequest>::with<pb::PartitionReply>,
    caf::replies_to<pb::LocksRequest>::with<pb::LocksReply>,
    caf::reacts_to<pb::RaftEnvelope>>;

// ------------------------------------------------------------- placement
// Protocol details (who sends what, when a move is done): placement_actor.hpp
// in services/placement.

/// What a segment-owner implements for placement (declared in type_ids.hpp
/// because the handle travels inside RegisterNode):
///   pb::SegmentAssignment  host a replica of segment.id with the replica set
///                          segment.replicas at segment.epoch; bootstrap=true
///                          for a brand-new group (initial config = peers);
///   pb::SegmentDrop        delete the replica.
/// using owner_control = caf::typed_actor<caf::reacts_to<pb::SegmentAssignment>,
///                                        caf::reacts_to<pb::SegmentDrop>>;
///
/// What a rope subscriber (router, indexer, notifier) implements: deltas of
/// the rope plus the current tables and nodes (also in type_ids.hpp).
/// using rope_subscriber = caf::typed_actor<caf::reacts_to<pb::RopeUpdate>>;

/// The placement service: membership, table schemas, the rope. Replies carry
/// pb::Status (error_code = ropekv::errc) for every outcome a caller acts on.
using placement_actor = caf::typed_actor<
    // An owner (re-)registers; id 0 asks for a new id, a known id keeps it.
    caf::replies_to<pb::RegisterNode, owner_control>::with<pb::RegisterReply>,
    // Liveness + segment reports; not_found: register again.
    caf::replies_to<pb::Heartbeat>::with<pb::Status>,
    caf::replies_to<pb::CreateTableRequest>::with<pb::TableReply>,
    caf::replies_to<tables_atom>::with<pb::TablesReply>,
    caf::replies_to<tables_atom, std::string>::with<pb::TableReply>,  // one table
    caf::replies_to<drop_atom, std::string>::with<pb::TableReply>,    // drop a table
    // Full rope now (from_version 0), then deltas pushed to the handle.
    caf::replies_to<subscribe_atom, rope_subscriber>::with<pb::RopeUpdate>,
    caf::replies_to<cluster_atom>::with<pb::ClusterReply>,
    // Split a segment: placement picks the halves' ids, has the segment's
    // leader split through its log, then updates the rope.
    caf::replies_to<pb::SplitSegmentRequest>::with<pb::SplitSegmentReply>,
    // A notifier (re-)registers with the handle placement pushes RopeUpdates
    // (rope, tables, notifiers, hooks with their assignment) to.
    caf::replies_to<pb::RegisterNotifier, rope_subscriber>::with<pb::RegisterNotifierReply>,
    // Liveness + hook delivery state; not_found: register again.
    caf::replies_to<pb::NotifierHeartbeat>::with<pb::Status>,
    // Webhooks: define/replace, list, one, delete.
    caf::replies_to<pb::PutHookRequest>::with<pb::HookReply>,
    caf::replies_to<hooks_atom>::with<pb::HooksReply>,
    caf::replies_to<hooks_atom, std::string>::with<pb::HookReply>,
    caf::replies_to<hooks_atom, drop_atom, std::string>::with<pb::HookReply>,
    // An indexer (re-)registers with the handle placement pushes RopeUpdates
    // (rope, tables, indexers, indexes with their replicas) to.
    caf::replies_to<pb::RegisterIndexer, rope_subscriber>::with<pb::RegisterIndexerReply>,
    // Liveness + per-index progress; not_found: register again.
    caf::replies_to<pb::IndexerHeartbeat>::with<pb::Status>,
    // Global secondary indexes: define (same definition again: 200), list a
    // table's, one, delete.
    caf::replies_to<pb::PutIndexRequest>::with<pb::IndexReply>,
    caf::replies_to<indexes_atom, std::string>::with<pb::IndexesReply>,
    caf::replies_to<indexes_atom, std::string, std::string>::with<pb::IndexReply>,
    caf::replies_to<indexes_atom, drop_atom, std::string, std::string>::with<pb::IndexReply>,
    // Start or cancel a node's drain; not_found: no such node.
    caf::replies_to<pb::DrainNodeRequest>::with<pb::DrainNodeReply>,
    // Bearer tokens: create (the reply alone carries the secret), list,
    // revoke. Every change goes out in the next RopeUpdate.tokens.
    caf::replies_to<pb::CreateTokenRequest>::with<pb::TokenReply>,
    caf::replies_to<pb::ListTokensRequest>::with<pb::TokensReply>,
    caf::replies_to<pb::RevokeTokenRequest>::with<pb::TokenReply>,
    caf::reacts_to<tick_atom>>;  // placement's own timer

// --------------------------------------------------------- segment-owner
// Protocol and forwarding rules: owner_actor.hpp in services/segment-owner.

/// The one actor a segment-owner publishes. Routers, indexers and other
/// owners see a net::segment_actor: requests are forwarded by
/// Routing.segment_id to the replica hosted here (wrong_segment if there is
/// none), RaftEnvelopes by their segment_id (the Raft group) to the local
/// member of that group (dropped if there is none). Placement sees a
/// net::owner_control (assignments, drops) and a rope_subscriber (node
/// addresses). The admin and feed requests of one replica are forwarded
/// the same way. (listen_atom, "host:port") comes once from the owner's
/// main when the actor is published; tick_atom is its own timer.
using owner_actor = segment_actor::extend_with<owner_control>::extend<
    caf::replies_to<pb::ChangesRequest>::with<pb::ChangesReply>,
    caf::replies_to<pb::MembershipRequest>::with<pb::AdminReply>,
    caf::replies_to<pb::SplitRequest>::with<pb::AdminReply>,
    caf::replies_to<pb::ManifestRequest>::with<pb::ManifestReply>,
    caf::reacts_to<pb::RopeUpdate>,
    caf::reacts_to<listen_atom, std::string>,
    caf::reacts_to<tick_atom>>;

// --------------------------------------------------------------- notifier
// Protocol: services/notifier. Placement sees a rope_subscriber; other
// notifiers see a net::notifier_peer (channel fan-out, presence).
using notifier_actor = notifier_peer::extend<caf::reacts_to<pb::RopeUpdate>>;

// ---------------------------------------------------------------- indexer
// Protocol: services/indexer. Routers query it; placement sees a
// rope_subscriber (assignments arrive inside RopeUpdate.indexes).
using indexer_actor = caf::typed_actor<
    caf::replies_to<pb::IndexQueryRequest>::with<pb::IndexQueryReply>,
    caf::reacts_to<pb::RopeUpdate>>;

}  // namespace ropekv::net
