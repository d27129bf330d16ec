#pragma once
// Request-target parsing: split into path and query, split the path into
// segments, percent-decode to raw bytes.
//
// Rules (DESIGN §8 "keys in paths are percent-decoded to bytes"):
//  - the path is split on '/' BEFORE decoding, so %2F is a byte inside a
//    segment (a key may contain '/'); %00 decodes to a NUL byte;
//  - '+' is literal in paths; in the query it means a space, as in
//    application/x-www-form-urlencoded (a literal '+' is sent as %2B);
//  - a '%' not followed by two hex digits (%zz, %4, trailing %) is an error,
//    never passed through: keys must be unambiguous;
//  - no dot-segment removal: "." and ".." are ordinary segments (keys).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ropekv/net/http_error.hpp"

namespace ropekv::net {

enum class decode_mode : uint8_t { path, query };

/// Percent-decodes `text`; invalid_argument on a malformed escape.
http_result<std::string> percent_decode(std::string_view text,
                                        decode_mode mode = decode_mode::path);

/// Percent-encodes every byte outside RFC 3986 "unreserved" (for building
/// paths in clients and tests, and cursors in responses).
std::string percent_encode(std::string_view bytes);

struct split_target {
  std::string_view path;   // starts with '/'
  std::string_view query;  // after '?', without it; empty when absent
};

/// Splits an origin-form request-target ("/path?query"); invalid_argument
/// for any other form ("*", absolute URLs, empty).
http_result<split_target> split_request_target(std::string_view target);

/// "/a/b%2Fc/" -> {"a", "b/c", ""}: split on '/', then each segment decoded.
http_result<std::vector<std::string>> decode_path_segments(std::string_view path);

/// "a=1&b=&c" -> {{"a","1"},{"b",""},{"c",""}}; names and values decoded in
/// query mode; empty pieces ("a=1&&b=2") are skipped. Order is kept.
using query_pairs = std::vector<std::pair<std::string, std::string>>;
http_result<query_pairs> parse_query(std::string_view query);

}  // namespace ropekv::net
