#pragma once
// JSON bodies of the index routes (DESIGN §8, docs/indexes.md).
//
//   index    {"name":"by_city","table":"users","id":4,"attribute":"address.city",
//             "type":"string","projection":"all","unique":false,"created_ms":…,
//             "state":"backfilling"|"active"|"unassigned",
//             "backfill":{"items_done":…,"items_estimated":…,"items_per_s":…},
//             "lag_ms":…,"entries":…,"unique_violations":…,
//             "replicas":[{"indexer":1,"state":"active",… same counters …,
//                          "rebuilds":0,"last_error":"…"}]}
//            state: "active" once any replica serves queries; "backfilling"
//            while every replica is still building (backfill shows the one
//            furthest along); "unassigned" when no indexer is alive.
//            backfill is present only while backfilling; lag_ms, entries and
//            unique_violations are the least-lagging active replica's.
//   indexes  {"indexes":[index, …]}
//   deleted  {"deleted":true,"index":index}
//   page     {"items":[{"hash_key","range_key"?,"version","expires_at_ms"?,
//             "item"?}],"cursor"?,"lag_ms":…}   item omitted for projection "keys"
#include <string>
#include <vector>

#include "ropekv/net/json_writer.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::router {

void write_index(net::json_writer& w, const pb::IndexDescriptor& ix);
std::string index_body(const pb::IndexDescriptor& ix);
std::string indexes_body(const pb::IndexesReply& reply);
std::string index_deleted_body(const pb::IndexDescriptor& ix);
std::string index_page_body(const pb::IndexQueryReply& reply, bool table_has_range_key,
                             const std::string& cursor);

/// The replica that answers for the index as a whole (see "state" above):
/// an active one with the least lag, else the backfilling one furthest
/// along; nullptr when there is none.
const pb::IndexReplicaState* representative(const pb::IndexDescriptor& ix);

}  // namespace ropekv::router
