#pragma once
// output_formatter: router responses -> the human text ropectl prints.
// Pure functions of (command, response JSON); every result ends in '\n'
// unless empty.
//
// Tolerance (why): the formatter reads only the members it shows and
// skips absent ones, so a router that adds fields never breaks the CLI.
// --json output bypasses this file entirely.
//
// Shapes read (services/router/responses.hpp and item_json.hpp):
//   item      {"hash_key"|"hash_key_base64", "range_key"|"range_key_base64"?,
//              "version", "expires_at_ms"?, "item":{...}}
//   page      {"items":[item...], "cursor"?}        no cursor: last page
//   put       {"version", "created"}      delete {"version"}
//   tables    {"tables":[{"name","id","hash_key","range_key"?,
//              "local_index"?,"replication","default_ttl"?}...]}
//   partition {"table","partition","items","bytes","head_version","segments"}
//   cluster   {"rope_version","router_rope_version","nodes":[{"id","address",
//              "labels":{dc,rack,host,numa},"capacity_bytes","alive","draining"}],
//              "segments":[{"id","table"?,"start_key","end_key" (hex),"epoch",
//              "replicas","leader_hint","stats":{bytes,items,...}}],
//              "moves_in_flight","moves":[{"segment","from_node","to_node",
//              "target_epoch","reason","kind","state","age_ms"}],
//              "unhealthy":[{"segment","replication","usable_replicas",
//              "domains","under_protected","quorum_lost"}],
//              "node_loads":[{"id","alive","draining","replicas","leaders",
//              "bytes","moves_in_flight",...}]}
//   node load {"node":{"id","draining","replicas","leaders","moves_in_flight",...}}
//   hook      {"name","url","table","events":[...],"prefix","created_ms",
//              "secret_set","state":{"notifier","delivered","pending",
//              "last_status","last_error","last_attempt_ms","last_success_ms",
//              "attempts","failing","next_attempt_ms"}}   (0: never)
//   hooks     {"hooks":[hook...]}    hook delete {"deleted":true,"hook":{...}}
//   error     {"error":{"code","message"}}
//   transact  {"version","deduplicated","ops":[{"op","table","version"?,
//              "item"? (get: an item object or null)}]}; 409 error with
//              "reasons":[{"index","code","message"?,"version"?}]
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "json_value.hpp"
#include "key_text.hpp"

namespace ropekv::ctl {

/// Rows as aligned columns, two spaces apart; the first row is the header.
/// Widths count UTF-8 code points.
std::string format_columns(const std::vector<std::vector<std::string>>& rows);

/// `hash [range]  v=VERSION  {json}` for one item object, plus
/// `  expires=ISO-TIME` for an expiring item. `fallback` supplies the keys
/// when the response does not echo them.
std::string format_item(const json_value& item, const command* fallback = nullptr);

/// The items of a query/scan page. A single item object counts as a page of
/// one: on a table without a range key the router answers `query` with the
/// item itself.
std::vector<const json_value*> page_items(const json_value& page);

/// Every item of a page (as page_items), one line each.
std::string format_items(const json_value& page);

/// The cursor of a page, absent when it is the last one.
std::optional<std::string> page_cursor(const json_value& page);

/// An object's members as aligned `name  value` lines (nested values as JSON).
std::string format_object(const json_value& object);

std::string format_tables(const json_value& body);
std::string format_cluster(const json_value& body);
/// nodes: GET /v1/cluster per node (NODE ADDRESS RACK ALIVE DRAINING
/// REPLICAS LEADERS BYTES MOVES, from nodes[] and node_loads[]), then the
/// moves in flight (SEGMENT KIND STATE FROM TO AGE REASON) when any.
std::string format_nodes(const json_value& body);
/// node drain|undrain: `node 2 draining: 5 replicas, 1 leaders, 0 moves in
/// flight` from the answer {"node":{node load}}.
std::string format_node_load(const command& cmd, const json_value& body);
/// hooks list: NAME TABLE URL STATE (ok|failing) DELIVERED PENDING LAST_STATUS.
std::string format_hooks(const json_value& body);
/// hooks get: one hook, its state flattened, times as UTC.
std::string format_hook(const json_value& hook);
/// auth create: the token with its secret (shown this once); auth list:
/// NAME ROLES EXPIRES RATE_LIMIT; auth revoke: `revoked token NAME`
/// (auth_formatter.cpp).
std::string format_auth(const command& cmd, const json_value& body);

/// The human output of a successful (2xx) response to `cmd`, except
/// query/scan pages, which the runner prints page by page. `status` tells a
/// created hook (201) from a replaced one.
std::string format_success(const command& cmd, const json_value& body, unsigned status = 200);

/// `error: CODE: message` (no newline) for a non-2xx response. A body that
/// is not the v1 error object gives code http_<status> and the body's first
/// line.
std::string format_error(unsigned status, std::string_view body);

/// transact: `committed at version V`, then one line per op (index, kind,
/// table and keys from the request in cmd.transaction, the op's version, a
/// get's version and item or "(absent)").
std::string format_transaction(const command& cmd, const json_value& body);

/// transact, non-2xx: format_error's line, plus for a canceled transaction
/// (409 with "reasons") one line per op that did not hold, e.g.
/// `  ops[1] put accounts b: condition_failed: item exists (current version 7)`.
std::string format_transaction_error(const command& cmd, unsigned status, std::string_view body);

/// A shell word for `text`: as is when it is safe, else single-quoted.
std::string shell_quote(std::string_view text);

}  // namespace ropekv::ctl
