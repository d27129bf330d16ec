#pragma once
// JSON rendering of items and keys in responses.
//
// Item shape (GET item, query, scan and batch results):
//   {"hash_key":"k", "range_key":"r", "version":17, "expires_at_ms":1700000000000,
//    "item":{...the object as stored...}}
// range_key only for tables with a range key; expires_at_ms (Unix epoch,
// milliseconds) only for items that expire.
//
// Keys are arbitrary bytes but JSON strings are Unicode. A key that is valid
// UTF-8 is written as a string under its name ("hash_key"); any other key is
// written base64 (RFC 4648, standard alphabet, padded) under the name with
// "_base64" appended ("hash_key_base64"). Exactly one of the two appears, so
// clients test for the plain name first. Batch bodies accept both forms.
#include <string_view>

#include "ropekv/net/json_writer.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::router {

/// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view bytes) noexcept;

/// Writes `name: "bytes"` or `name_base64: "..."` per the rule above.
void write_key(net::json_writer& w, std::string_view name, std::string_view bytes);

/// Writes one item object (see the shape above).
void write_item(net::json_writer& w, const pb::Item& item, bool table_has_range_key);

}  // namespace ropekv::router
