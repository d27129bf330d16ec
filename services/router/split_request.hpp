#pragma once
// The body of POST /v1/tables/{t}/split (DESIGN §3, §8):
//
//   {"at_hash_key":"k"}   or   {"at_hash_key_base64":"..."}
//
// Splits the segment of the table that holds hash key k so that k (with
// all its range keys) starts the right half. Which segment that is comes
// from the router's rope; placement checks it again (it may have changed)
// and names the halves. 400 `invalid_argument` for a malformed body, and
// (from placement) when k already starts its segment.
#include <string_view>

#include "ropekv/net/http_error.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/rope/rope.hpp"

namespace ropekv::router {

/// `json` is the normalized body (net::json_object_text).
net::http_result<pb::SplitSegmentRequest> split_request_of(const pb::TableSchema& table, const rope::rope& rope,
                                                           std::string_view json);

}  // namespace ropekv::router
