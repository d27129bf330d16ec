#pragma once
// JSON bodies of the router's non-item responses, and pb::Status -> HTTP.
//
//   table      {"name":"t","id":3,"hash_key":"a","range_key":"b","local_index":"c",
//               "replication":3,"default_ttl":60}   (absent members omitted)
//              + "indexes":[{"name","attribute","type","state"}] (index_responses.hpp)
//   tables     {"tables":[table, ...]}
//   put        {"version":17,"created":true,"token":"..."}   created: no live item before
//   delete     {"version":18,"token":"..."}
//              token: the write token (ropekv/feed/write_token.hpp) of the
//              write, for reads that must see it (index queries' `after`)
//   page       {"items":[item, ...],"cursor":"..."}   cursor omitted on the last page
//   partition  {"table":"t","partition":7,"items":2,"bytes":90,"head_version":17,
//               "segments":[4,5]}
//   rollback   {"table":"t","partition":7,"to_version":12,"segments":[4]}
//   cluster    {"rope_version":9,"router_rope_version":9,"nodes":[{"id","address","labels":{dc,rack,host,numa},
//               "capacity_bytes","alive"}],"segments":[{"id","table","start_key","end_key",
//               "epoch","replicas","leader_hint","stats":{bytes,items,reads_per_s,
//               writes_per_s}}],"moves_in_flight":n,"moves":[...],"unhealthy":[...]}
//              Segment keys are rope keys (binary): lower-case hex. "table" is
//              the table's name, omitted for gap segments.
//   hook       {"name":"h","url":"https://…","table":"t","events":["create",…],
//               "prefix":"…","created_ms":1700000000000,"secret_set":true,
//               "state":{"notifier":2,"delivered":10,"pending":0,"last_status":200,
//               "last_error":"","last_attempt_ms":…,"last_success_ms":…,
//               "attempts":0,"failing":false,"next_attempt_ms":0}}
//              Never the secret. "events" lists every kind delivered (all five
//              when the hook was defined without a list). "notifier" 0: no
//              notifier is alive to deliver it.
//   hooks      {"hooks":[hook, ...]}
//   deleted    {"deleted":true,"hook":hook}
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/json_writer.hpp"
#include "ropekv/proto/service.pb.h"
#include "routing_snapshot.hpp"

namespace ropekv::router {

/// A non-zero pb::Status as the HTTP error the client sees.
net::http_error error_of(const pb::Status& status);
/// A MutationResult's error as an http_error (error_code != 0).
net::http_error error_of(const pb::MutationResult& result);

pb::TableSchema schema_of(const std::string& name, const net::table_spec& spec);

void write_table(net::json_writer& w, const pb::TableSchema& t);
/// The table's members without the enclosing braces.
void write_table_fields(net::json_writer& w, const pb::TableSchema& t);
/// With the table's indexes (from the routing snapshot) as "indexes":
/// [{"name","attribute","type","state"}] (GET the index for the rest).
std::string table_body(const pb::TableSchema& t, const routing_snapshot& snap);
/// table_body plus placement's replication view: "under_replicated",
/// "replicas_short" (most replicas any segment lacks),
/// "segments_under_replicated".
std::string table_body(const pb::TableReply& reply, const routing_snapshot& snap);
/// One node's load against its fair share (GET /v1/cluster "node_loads",
/// the drain routes' "node").
void write_node_load(net::json_writer& w, const pb::NodeLoad& l);
std::string tables_body(const pb::TablesReply& reply, const routing_snapshot& snap);
/// `key`: the item's encoded key (item_key()), for the write token.
std::string put_body(const pb::MutationResult& result, uint32_t table, std::string_view key);
std::string delete_body(const pb::MutationResult& result, uint32_t table, std::string_view key);
std::string page_body(const std::vector<pb::Item>& items, const std::optional<std::string>& cursor,
                      bool table_has_range_key);

struct partition_totals {
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t head_version = 0;
  std::vector<uint64_t> segments;
};
std::string partition_body(const std::string& table, uint16_t partition, const partition_totals& t);
std::string rollback_body(const std::string& table, uint16_t partition, uint64_t to_version,
                          const std::vector<uint64_t>& segments);

void write_hook(net::json_writer& w, const pb::Hook& h);
std::string hook_body(const pb::Hook& h);
std::string hooks_body(const pb::HooksReply& reply);
std::string hook_deleted_body(const pb::Hook& h);

std::string cluster_body(const pb::ClusterReply& reply, const routing_snapshot& snap);
/// POST /v1/tables/{t}/split: {"left":segment,"right":segment} as in /v1/cluster.
std::string split_body(const pb::SplitSegmentReply& reply, const routing_snapshot& snap);

std::string hex(std::string_view bytes);

}  // namespace ropekv::router
