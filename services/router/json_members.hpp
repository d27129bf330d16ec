#pragma once
// Splitting JSON text into its members or elements, each kept as compact
// JSON text with numbers VERBATIM.
//
// Why not a DOM: items may hold numbers beyond double precision, and the
// API promises to store an item exactly as sent (libs/net json_body.hpp).
// A batch op's "item" and a put body's local-index attribute are therefore
// cut out of the text by a SAX pass instead of round-tripping a DOM.
//
// Input is expected to be normalized already (net::normalize_json_object);
// anything unparsable is still reported, as 400 invalid_json.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ropekv/net/http_error.hpp"

namespace ropekv::router {

enum class json_type : uint8_t { null, boolean, number, string, array, object };

struct json_member {
  std::string name;
  std::string value;  // compact JSON text of the value
  json_type type = json_type::null;
};

/// The members of a JSON object, in document order (duplicates kept).
/// invalid_argument when `json` is not an object.
net::http_result<std::vector<json_member>> object_members(std::string_view json);

/// The elements of a JSON array. invalid_argument when `json` is not an array.
net::http_result<std::vector<json_member>> array_elements(std::string_view json);

/// The decoded bytes of a JSON string value's text ("\"a\\u0000b\"" -> "a\0b").
std::optional<std::string> json_string(std::string_view json_text);

/// A non-negative integer value's text as uint64 (no sign, no fraction,
/// no exponent); nullopt otherwise.
std::optional<uint64_t> json_uint64(std::string_view json_text);

}  // namespace ropekv::router
