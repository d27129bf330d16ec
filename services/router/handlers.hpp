#pragma once
// The request actor's handlers, one per family of routes. Each runs on the
// request actor, answers through rt exactly once (reply/fail), and never
// blocks: every segment or placement call is an asynchronous request.
//
//   item_handlers.cpp       GET/PUT/DELETE items/{hk}[/{rk}]
//   query_handlers.cpp      range queries within a hash key, scans
//   batch_handler.cpp       POST batch
//   partition_handlers.cpp  partition info and rollback
//   admin_handlers.cpp      tables, hooks, indexes and /v1/cluster (through placement)
//   node_handlers.cpp       POST/DELETE /v1/nodes/{id}/drain (through placement)
//   index_query.cpp         GET indexes/{name}/items (through an indexer)
//   transact_handler.cpp    POST /v1/transact (txn_coordinator.hpp)
//   token_handlers.cpp      /v1/auth/tokens (through placement)
// Item handlers expect rt.resolve_table() to have succeeded.
#include <functional>
#include <optional>
#include <string>

#include "request_runtime.hpp"
#include "write_builder.hpp"

namespace ropekv::router {

/// The outcome of one item operation: the success body, or the error.
using item_done = std::function<void(net::http_result<std::string>)>;

void run_get(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
             std::string range_key, net::read_consistency consistency, std::optional<uint64_t> as_of,
             item_done done);
void run_put(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
             std::string range_key, std::string item_json, const write_params& params, item_done done);
void run_delete(request_runtime& rt, const pb::TableSchema& table, std::string hash_key,
                std::string range_key, const write_params& params, item_done done);

void handle_get_item(request_runtime& rt);
void handle_put_item(request_runtime& rt);
void handle_delete_item(request_runtime& rt);
void handle_query_items(request_runtime& rt);
void handle_scan(request_runtime& rt);
void handle_batch(request_runtime& rt);
void handle_get_partition(request_runtime& rt);
void handle_rollback_partition(request_runtime& rt);
void handle_index_query(request_runtime& rt);
/// POST /v1/transact (tables named per op; no table lookup first).
void handle_transact(request_runtime& rt);
/// Table, hook and cluster routes; no table lookup first (placement decides).
void handle_admin(request_runtime& rt);
/// Node drain routes; no table lookup first.
void handle_nodes(request_runtime& rt);
/// POST/GET /v1/auth/tokens, DELETE /v1/auth/tokens/{name} (through placement).
void handle_tokens(request_runtime& rt);

}  // namespace ropekv::router
