#pragma once
// The project's one CAF type-id block: every type that crosses an actor
// boundary (protobuf messages from service.proto and ropekv.proto) and the
// project's atoms. Every process registers it with
//   cfg.add_message_types<caf::id_block::ropekv>();
// Protobuf types serialize through the generic inspect() in caf_inspect.hpp.
#include <caf/type_id.hpp>

#include "ropekv/proto/caf_inspect.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/proto/auth_service.pb.h"
#include "ropekv/proto/backup.pb.h"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

namespace ropekv::net {
// Handles that travel inside messages need a type id, so their interfaces
// are declared here, ahead of the block; actor_interfaces.hpp documents them.
using owner_control =
    caf::typed_actor<caf::reacts_to<pb::SegmentAssignment>, caf::reacts_to<pb::SegmentDrop>>;
using rope_subscriber = caf::typed_actor<caf::reacts_to<pb::RopeUpdate>>;
/// What one notifier offers the others: channel fan-out and presence.
using notifier_peer = caf::typed_actor<caf::reacts_to<pb::ChannelMessage>,
                                       caf::replies_to<pb::PresenceRequest>::with<pb::PresenceReply>>;
}  // namespace ropekv::net

CAF_BEGIN_TYPE_ID_BLOCK(ropekv, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::Status))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::GetRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::GetReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::WriteRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::WriteReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RangeRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ScanRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ItemsReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PartitionRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PartitionReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RaftEnvelope))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterNode))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::Heartbeat))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SegmentAssignment))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::CreateTableRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::TableReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::TablesReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RopeUpdate))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ClusterReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::Mutation))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::MutationResult))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::NodeDescriptor))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SegmentDescriptor))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::TableSchema))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ChangeEvent))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::MembershipRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SplitRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::AdminReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ChangesRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ChangesReply))

  // services/placement
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SegmentDrop))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::net::owner_control))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::net::rope_subscriber))

  // services/notifier, hooks
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterNotifier))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterNotifierReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::NotifierHeartbeat))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PutHookRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::HookReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::HooksReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ChannelMessage))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PresenceRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PresenceReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::net::notifier_peer))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::FeedSubscription))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SplitSegmentRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::SplitSegmentReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::HookReport))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::LocksRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::LocksReply))

  // services/indexer, indexes
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterIndexer))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RegisterIndexerReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexerHeartbeat))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::PutIndexRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexesReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexQueryRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexQueryReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::IndexReport))
  // services/placement: node drain (router -> placement)
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::DrainNodeRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::DrainNodeReply))
  // services/placement: bearer tokens (router -> placement, /v1/auth/tokens)
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::CreateTokenRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ListTokensRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::RevokeTokenRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::TokenReply))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::TokensReply))
  // backups (router -> segment leaders, docs/backup.md)
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ManifestRequest))
  CAF_ADD_TYPE_ID(ropekv, (ropekv::pb::ManifestReply))

  // Atoms: text <= 10 characters, prefixed where it could clash with CAF's.
  CAF_ADD_ATOM(ropekv, ropekv, tick_atom, "rk_tick")
  CAF_ADD_ATOM(ropekv, ropekv, subscribe_atom, "rk_sub")
  CAF_ADD_ATOM(ropekv, ropekv, cluster_atom, "rk_cluster")
  CAF_ADD_ATOM(ropekv, ropekv, tables_atom, "rk_tables")
  CAF_ADD_ATOM(ropekv, ropekv, drop_atom, "rk_drop")
  CAF_ADD_ATOM(ropekv, ropekv, hooks_atom, "rk_hooks")
  CAF_ADD_ATOM(ropekv, ropekv, indexes_atom, "rk_indexes")

  // services/segment-owner
  CAF_ADD_ATOM(ropekv, ropekv, listen_atom, "rk_listen")

  // services/notifier (inside one process)
  CAF_ADD_ATOM(ropekv, ropekv, ws_open_atom, "rk_wsopen")
  CAF_ADD_ATOM(ropekv, ropekv, ws_text_atom, "rk_wstext")
  CAF_ADD_ATOM(ropekv, ropekv, ws_close_atom, "rk_wsclose")
  CAF_ADD_ATOM(ropekv, ropekv, detach_atom, "rk_detach")
  CAF_ADD_ATOM(ropekv, ropekv, retry_atom, "rk_retry")

CAF_END_TYPE_ID_BLOCK(ropekv)
