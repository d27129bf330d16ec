#pragma once
// POST /v1/tables/{t}/batch: many independent item reads and writes.
//
// Body: {"request_id":"…" (optional), "ops":[op, ...]} with 1..max_batch_ops
// ops, each one of
//   {"op":"put",    "hash_key":"k", "range_key":"r", "item":{...},
//                   "ttl":s, "if":"absent"|"exists", "if_version":v}
//   {"op":"get",    "hash_key":"k", "range_key":"r", "consistency":"strong"|"eventual", "as_of":v}
//   {"op":"delete", "hash_key":"k", "range_key":"r", "if":"absent"|"exists", "if_version":v}
// Keys may instead be given base64 as "hash_key_base64" / "range_key_base64"
// (for binary keys; exactly one form per key). range_key is required for
// tables with a range key and forbidden otherwise.
//
// Validation is all-or-nothing: any malformed op makes the whole batch 400
// (413 for an oversized key or item), naming the op by index, and nothing
// runs. Once valid, ops run independently and each gets its own status.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "json_members.hpp"
#include "write_builder.hpp"

namespace ropekv::router {

inline constexpr size_t max_batch_ops = 100;

enum class batch_op_kind : uint8_t { put, get, del, check };  // check: transactions only

struct batch_op {
  batch_op_kind kind = batch_op_kind::get;
  std::string hash_key;
  std::optional<std::string> range_key;
  std::string item_json;  // put: the item, verbatim
  write_params write;     // put, delete
  net::read_consistency consistency = net::read_consistency::strong;
  std::optional<uint64_t> as_of;
};

/// Parses and validates a batch body against the table's shape.
/// request_id: the body's optional "request_id" (each op's writes are
/// de-duplicated under it plus the op's index).
net::http_result<std::vector<batch_op>> parse_batch(std::string_view body, bool table_has_range_key,
                                                    std::optional<std::string>* request_id = nullptr);

/// One op's members (the fields above, without "op"), validated as `kind`
/// (put, get, delete; in a transaction also check, which needs if or
/// if_version, and gets take no consistency or as_of: they read at the
/// commit point).
net::http_result<batch_op> parse_op(const std::vector<json_member>& members, std::string kind,
                                    bool table_has_range_key, bool in_transaction);

/// A client's request_id: 1..128 bytes of printable ASCII.
net::http_result<std::string> check_request_id(std::string_view id);

}  // namespace ropekv::router
