#pragma once
// Typed query parameters per request kind.
//
// Strictness (why): a misspelt parameter (`if_versoin=3`) silently ignored
// would turn a conditional write into an unconditional one, so unknown and
// repeated parameters are 400 `invalid_argument`, as are values out of type
// or range. Accepted per kind:
//   put_item     ttl, if, if_version
//   delete_item  if, if_version
//   get_item     consistency, as_of   (+ the query_items set when the path
//                                      has no {rk}; see api_request.hpp)
//   query_items  consistency, as_of, from, to, limit, reverse, cursor, index
//   scan         consistency, as_of, limit, cursor
//   index_query  eq, from, to, limit, reverse, cursor, after
//   all others   none
// Value rules: ttl 0..max_ttl_seconds; if=absent|exists, exclusive with
// if_version; consistency=strong|eventual; as_of, if_version uint64; after
// = write tokens, comma-separated and repeatable (at most 64); limit 1..1000 (default 100); reverse=true|false|1|0 (bare `reverse`
// = true); empty cursor = no cursor; index=local only; eq exclusive with
// from/to; for item range queries (not index=local) from <= to bytewise
// when both are given (index bounds are compared once encoded, by the
// router: 9 < 10), and from/to longer than a range key are 413 `too_large`.
#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/percent_decode.hpp"

namespace ropekv::net {

/// `has_range_key`: whether the path carried a {rk} segment (item kinds only).
http_result<api_params> parse_params(api_kind kind, bool has_range_key,
                                     const query_pairs& pairs);

/// True when any parameter only a range query accepts differs from its
/// default (used to reject `GET items/{hk}?from=` on a table without range key).
bool has_range_query_params(const api_params& params) noexcept;

}  // namespace ropekv::net
