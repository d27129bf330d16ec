#pragma once
// The items ropekv-index-bench writes and the index queries it sends. Pure
// code, unit-tested (test/item_shape_test.cpp).
//
// Every item has five indexable attributes, derived from a tag and a
// sequence number, plus padding up to a fixed size:
//
//   {"email":"user-<tag><seq>@example.com",   by_email  string, unique
//    "user_id":<seq>,                         by_user   number
//    "city":"city-<seq % 100>",               by_city   string, 100 values
//    "age":<seq % 90>,                        by_age    number, 90 values
//    "status":"s<seq % 5>",                   by_status string, 5 values
//    "pad":"xxx…"}
//
// A lag probe's item carries one value, unique in the whole invocation, in
// every attribute, so an eq= query on any of the five indexes finds exactly
// that item.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ropekv::bench::indexer {

/// One of the five indexes the benchmark can put on a table.
struct index_def {
  std::string_view name;       // index name
  std::string_view attribute;  // item attribute
  std::string_view type;       // "string" | "number"
};

inline constexpr std::array<index_def, 5> index_defs{{
    {"by_email", "email", "string"},
    {"by_user", "user_id", "number"},
    {"by_city", "city", "string"},
    {"by_age", "age", "number"},
    {"by_status", "status", "string"},
}};

/// The definition named `name`, or nullptr.
const index_def* find_index(std::string_view name);

/// PUT /v1/tables/{t}/indexes/{name} body for `def`.
std::string index_spec_body(const index_def& def, std::string_view projection);

/// The item of (tag, seq), at least `value_bytes` long (the padding fills
/// it up to exactly that when the attributes are shorter).
std::string item_body(std::string_view tag, uint64_t seq, unsigned value_bytes);

/// A probe's item: `value` in every attribute (as a number in the number
/// attributes, as text in the string ones).
std::string probe_body(uint64_t value, unsigned value_bytes);

/// The eq= text (percent-encoded for a query string) that finds the probe
/// item of `value` through index `def`.
std::string probe_eq(const index_def& def, uint64_t value);

/// For the preloaded items (item_body("", i) under key k<i>): the eq= text,
/// as a bench/compare request template with {key} standing for i, that
/// finds exactly item i; empty for an index whose values are not unique.
std::string preload_eq_template(const index_def& def);

/// GET target of an eq= query.
std::string eq_query_target(std::string_view table, std::string_view index, std::string_view eq);

/// Percent-encodes everything but unreserved characters (RFC 3986).
std::string percent_encode(std::string_view text);

}  // namespace ropekv::bench::indexer
