#pragma once
// Field-level validation for the v1 API (DESIGN §2): names, keys, numbers.
//
// Size decision: a key over its byte limit is 413 `too_large` (errc's
// documented meaning: "key, item or body over its limit"), not 400 as
// DynamoDB's ValidationException would be; an empty hash key is 400.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/http_error.hpp"

namespace ropekv::net {

inline constexpr size_t min_name_bytes = 3;
inline constexpr size_t max_name_bytes = 255;
inline constexpr size_t max_item_bytes = 400 * 1024;
/// JSON nesting cap for bodies (as DynamoDB's 32 levels); also keeps any
/// recursive consumer of stored items safe.
inline constexpr size_t max_json_depth = 32;
/// Attribute names in table/index specs.
inline constexpr size_t max_attribute_bytes = 255;

/// Table, index and hook names: [A-Za-z0-9_.-]{3,255}. `what` names the
/// field in the error message ("table name", "index name", ...).
http_result<void> validate_name(std::string_view what, std::string_view name);
inline http_result<void> validate_table_name(std::string_view name) {
  return validate_name("table name", name);
}

/// Non-empty, <= keys::max_hash_key_bytes (413 beyond).
http_result<void> validate_hash_key(std::string_view key);
/// <= keys::max_range_key_bytes (413 beyond); may be empty.
http_result<void> validate_range_key(std::string_view key);

/// Strict decimal uint64: digits only, no sign, no spaces, no overflow.
/// `what` names the parameter in the error message.
http_result<uint64_t> parse_uint64(std::string_view what, std::string_view text);

/// Partition number 0..65535 (decimal).
http_result<uint16_t> parse_partition(std::string_view text);

/// Client-supplied bytes made safe to echo in an error message: printable
/// ASCII kept, other bytes as \xNN, cut at 64 bytes with "...".
std::string printable(std::string_view bytes);

}  // namespace ropekv::net
