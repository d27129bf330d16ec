#pragma once
// command: one ropectl invocation after argument parsing, as plain values.
//
// Produced by cli_parser, consumed by request_builder (what to send) and
// output_formatter (how to show the answer). Options a subcommand does not
// take keep their defaults; absent optionals are not sent, so the router's
// own defaults apply (e.g. replication 3, limit 100).
//
// Keys (hash_key, range_key, from, to) are raw bytes exactly as given on the
// command line; request_builder percent-encodes them.
#include <cstdint>
#include <optional>
#include <string>

namespace ropekv::ctl {

enum class command_kind : uint8_t {
  tables_list,
  tables_create,
  tables_get,
  tables_delete,
  put,
  get,
  del,  // "delete" is a keyword
  query,
  scan,
  partition,
  rollback,
  cluster,
  health,
};

/// Options every subcommand shares.
struct global_options {
  std::string router_url;  // http://host:port[/prefix]
  bool json = false;       // print the server's JSON (compact, one object per line)
  double timeout_seconds = 10;  // per HTTP exchange (connect + send + receive)
};

/// tables create NAME ...
struct table_options {
  std::string hash_key;
  std::optional<std::string> range_key;
  std::optional<std::string> local_index;
  std::optional<uint32_t> replication;
  std::optional<uint64_t> default_ttl;
  std::optional<uint64_t> segments;
};

/// put / delete conditions and TTL.
struct write_options {
  std::optional<uint64_t> ttl;            // put only
  std::optional<std::string> condition;   // "absent" | "exists"
  std::optional<uint64_t> if_version;     // exclusive with condition
};

/// get / query / scan read options.
struct read_options {
  std::optional<std::string> consistency;  // "strong" | "eventual"
  std::optional<uint64_t> as_of;
};

/// query / scan paging and bounds.
struct range_options {
  std::optional<std::string> from;  // query only
  std::optional<std::string> to;    // query only
  std::optional<uint32_t> limit;    // page size
  bool reverse = false;             // query only
  bool local_index = false;         // query only: --index local (by rk2)
  std::optional<std::string> cursor;  // start from this page
  bool all = false;                 // follow cursors until the last page
};

struct command {
  command_kind kind = command_kind::health;
  std::string table;
  std::string hash_key;
  std::optional<std::string> range_key;
  table_options table_spec;
  /// put: the --item argument (JSON text or "@path"); absent: read stdin.
  std::optional<std::string> item_arg;
  /// put: the item JSON text, filled from item_arg by read_item().
  std::string item;
  write_options write;
  read_options read;
  range_options range;
  uint32_t partition = 0;
  uint64_t to_version = 0;  // rollback
};

}  // namespace ropekv::ctl
