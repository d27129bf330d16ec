#pragma once
// Body schemas of the v1 API. Every parser first runs normalize_json_object
// (so syntax/UTF-8/depth errors are uniform), then checks members strictly:
// unknown members are 400 `invalid_argument` (a typo such as "replicaton"
// must not silently fall back to a default). JSON null counts as absent for
// optional members.
//
//   table_spec     {"hash_key":"a", "range_key":"b"?, "local_index":"c"?,
//                   "replication":1|3|5 (default 3), "default_ttl":s?,
//                   "segments":1..1024? (initial segments; default: placement's)}
//                  attribute names 1..255 bytes and pairwise distinct;
//                  local_index needs range_key; default_ttl 0 means none.
//   rollback_spec  {"to_version":v}
//   item           any JSON object <= 400 KiB (413 `too_large` beyond)
#include <string_view>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"

namespace ropekv::net {

http_result<table_spec> parse_table_spec(std::string_view body);
http_result<rollback_spec> parse_rollback_spec(std::string_view body);
http_result<json_object_text> parse_item_body(std::string_view body);

}  // namespace ropekv::net
