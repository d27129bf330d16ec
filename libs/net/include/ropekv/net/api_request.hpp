#pragma once
// api_request: one v1 HTTP request (DESIGN §8) after routing and validation,
// as plain values the router service dispatches on. No I/O, no Beast.
//
// Invariants once produced by route_request/parse_request:
//  - `table` matches [A-Za-z0-9_.-]{3,255} whenever the kind names a table;
//  - `hash_key` is 1..2048 raw bytes and `range_key` 0..1024 raw bytes (both
//    percent-decoded, may contain NUL and '/');
//  - `name` (index or hook) follows the table-name rule;
//  - `params` hold only parameters the kind accepts, each already typed and
//    range-checked; `body` holds the kind's validated body (see below).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ropekv::net {

enum class api_kind : uint8_t {
  create_table,        // PUT    /v1/tables/{t}
  list_tables,         // GET    /v1/tables
  get_table,           // GET    /v1/tables/{t}
  delete_table,        // DELETE /v1/tables/{t}
  put_item,            // PUT    /v1/tables/{t}/items/{hk}[/{rk}]
  get_item,            // GET    /v1/tables/{t}/items/{hk}[/{rk}]   (see note)
  delete_item,         // DELETE /v1/tables/{t}/items/{hk}[/{rk}]
  query_items,         // GET    /v1/tables/{t}/items/{hk}  on a table with a range key
  scan,                // GET    /v1/tables/{t}/scan
  batch,               // POST   /v1/tables/{t}/batch
  transact,            // POST   /v1/transact
  get_partition,       // GET    /v1/tables/{t}/partitions/{p}
  rollback_partition,  // POST   /v1/tables/{t}/partitions/{p}/rollback
  list_indexes,        // GET    /v1/tables/{t}/indexes
  put_index,           // PUT    /v1/tables/{t}/indexes/{name}
  get_index,           // GET    /v1/tables/{t}/indexes/{name}
  delete_index,        // DELETE /v1/tables/{t}/indexes/{name}
  index_query,         // GET    /v1/tables/{t}/indexes/{name}/items
  list_hooks,          // GET    /v1/hooks
  put_hook,            // PUT    /v1/hooks/{name}
  get_hook,            // GET    /v1/hooks/{name}
  delete_hook,         // DELETE /v1/hooks/{name}
  cluster,             // GET    /v1/cluster
  split_table,         // POST   /v1/tables/{t}/split  {"at_hash_key":"k"}
  drain_node,          // POST   /v1/nodes/{id}/drain
  undrain_node,        // DELETE /v1/nodes/{id}/drain
  create_token,        // POST   /v1/auth/tokens   {"name":…,"roles":[…],"expires_in":s,"rate_limit":r}
  list_tokens,         // GET    /v1/auth/tokens
  revoke_token,        // DELETE /v1/auth/tokens/{name}
  console,             // GET    / and /console/{file}: the web console's static files (name: the file)
  healthz,             // GET    /healthz
  readyz,              // GET    /readyz
  metrics,             // GET    /metrics
};
// Note on GET items/{hk} without a range key: the path alone cannot say
// whether it is a point read (table without range key) or a range query
// (table with one). Routing yields get_item with no range_key and keeps the
// union of both kinds' parameters; apply_table_shape() (request_body.hpp)
// settles it once the router knows the table's schema.

std::string_view to_string(api_kind kind) noexcept;

enum class write_condition : uint8_t { none, absent, exists };
enum class read_consistency : uint8_t { strong, eventual };

inline constexpr uint32_t default_limit = 100;
inline constexpr uint32_t max_limit = 1000;
/// Write tokens one index query may wait for (after=).
inline constexpr size_t max_after_tokens = 64;
/// ttl and default_ttl cap (100 years): keeps expiry arithmetic far from overflow.
inline constexpr uint64_t max_ttl_seconds = 100ull * 366 * 24 * 3600;

/// Query parameters, typed. Absent ones keep their defaults.
struct api_params {
  std::optional<uint64_t> ttl_seconds;  // ttl=; 0 = never expires (overrides default_ttl)
  write_condition condition = write_condition::none;  // if=absent|exists
  std::optional<uint64_t> if_version;   // if_version=; exclusive with if=
  read_consistency consistency = read_consistency::strong;
  std::optional<uint64_t> as_of;        // read as of this version
  std::optional<std::string> from;      // lower bound, raw bytes
  std::optional<std::string> to;        // upper bound, raw bytes
  uint32_t limit = default_limit;       // 1..1000
  bool reverse = false;
  std::optional<std::string> cursor;    // opaque, from a previous page
  bool local_index = false;             // index=local: query by rk2
  std::optional<std::string> eq;        // index query by equality; exclusive with from/to
  std::vector<std::string> after;       // index query: write tokens to have applied (§7)
  std::optional<std::string> request_id;  // put/delete: de-duplicates retries (docs/transactions.md)
};

/// Longest client request_id (query parameter or transaction body).
inline constexpr size_t max_request_id_bytes = 128;

/// PUT /v1/tables/{t}
struct table_spec {
  std::string hash_key;
  std::optional<std::string> range_key;
  std::optional<std::string> local_index;  // attribute holding rk2; needs range_key
  uint32_t replication = 3;                // 1, 3 or 5
  std::optional<uint64_t> default_ttl;     // seconds
  std::optional<uint32_t> segments;        // initial segments, 1..max_initial_segments
  bool strict = false;                     // refuse (409 under_replicated) rather than start short
};

/// Most segments a table may start with: each is a Raft group with a
/// SQLite file per replica. Placement enforces the same cap
/// (placement::max_initial_segments); the router checks it for a clear 400.
inline constexpr uint32_t max_initial_segments = 1024;

/// POST /v1/tables/{t}/partitions/{p}/rollback
struct rollback_spec {
  uint64_t to_version = 0;
};

/// A validated JSON object, re-serialized compactly (numbers kept verbatim).
/// Items, batch, transact, hook, split and index bodies.
struct json_object_text {
  std::string json;
};

using api_body = std::variant<std::monostate, table_spec, rollback_spec,
                              json_object_text>;

struct api_request {
  api_kind kind = api_kind::healthz;
  std::string table;
  std::string hash_key;
  std::optional<std::string> range_key;  // absent: path had no {rk} segment
  std::string name;                      // index or hook name; console: the file ("" for /)
  uint16_t partition = 0;                // get/rollback_partition
  uint64_t node_id = 0;                  // drain_node/undrain_node
  api_params params;
  api_body body;                         // filled by parse_request only
};

}  // namespace ropekv::net
