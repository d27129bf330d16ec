#pragma once
// JSON request bodies: check that a body is exactly one JSON object and
// return it re-serialized compactly.
//
// Why SAX with an iterative parser and a depth cap: a 1 MiB body of '['
// would overflow the stack of a recursive parser or writer; the iterative
// reader streams straight into the writer and stops at max_depth.
// Why numbers are kept verbatim: items may hold integers beyond 2^64 or
// decimals beyond double precision; round-tripping them through double
// would silently change user data. (RapidJSON still rejects magnitudes
// beyond double range, e.g. 1e400, as invalid_json.)
//
// Errors: syntax, invalid UTF-8, NUL bytes -> 400 `invalid_json`;
// a non-object top level or nesting beyond max_depth -> 400 `invalid_argument`.
#include <cstddef>
#include <string_view>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::net {

http_result<json_object_text> normalize_json_object(std::string_view body,
                                                    size_t max_depth = max_json_depth);

}  // namespace ropekv::net
