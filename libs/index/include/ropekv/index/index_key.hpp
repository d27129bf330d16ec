#pragma once
// Index keys: bytes that sort (memcmp) the way the indexed values do.
//
// Numbers: an IEEE-754 double, big-endian, with the sign bit flipped for
// positives and every bit flipped for negatives, so -inf < -1 < -0 = 0 <
// 9 < 10 < +inf bytewise. -0 is stored as 0 (they are equal numbers); NaN
// is not a number a JSON item can hold. Integers beyond 2^53 keep their
// double's order (documented in docs/indexes.md).
// Strings: their UTF-8 bytes, unchanged.
//
// The local index (rk2) is not typed by its table, so its key carries a
// one-byte tag: numbers (tag 0x01) sort numerically and before strings
// (tag 0x02). Global indexes are typed (IndexSpec.type): their keys need
// no tag, and an item whose attribute has another type is not indexed.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::index {

/// Longest index value (string bytes); longer values are not indexed.
inline constexpr size_t max_index_value_bytes = 1024;

/// 8 bytes that sort as `v` does. `v` must not be NaN.
std::string encode_number(double v);
/// Inverse of encode_number; nullopt unless exactly 8 bytes.
std::optional<double> decode_number(std::string_view key);

/// The text of a JSON number as a finite double; nullopt when `text` is not
/// a JSON number (leading '+', hex, "inf", trailing junk...) or overflows.
std::optional<double> parse_json_number(std::string_view text);

/// A query value (eq, from, to) for an index of `type`: a number index
/// takes a JSON number, a string index any text. invalid_argument when the
/// value does not fit the type (the router's 400 "index_type_mismatch").
result<std::string> query_key(pb::IndexType type, std::string_view text);

/// Local index keys (tagged).
inline constexpr char rk2_number_tag = 0x01;
inline constexpr char rk2_string_tag = 0x02;
std::string rk2_of_number(double v);
std::string rk2_of_string(std::string_view s);
/// A local-index query bound: a JSON number is a number; a JSON string
/// ("\"10\"", quoted) is that string; any other text is a string as is.
std::string rk2_bound(std::string_view text);

}  // namespace ropekv::index
