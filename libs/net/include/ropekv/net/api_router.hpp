#pragma once
// The v1 routing table (DESIGN §8): request-target + method -> api_request.
// Pure functions; no sockets, no schema knowledge.
//
// Order of checks, and the error each one gives:
//   1. target not origin-form, malformed %-escape      400 invalid_argument
//   2. no route for the path                           404 not_found
//   3. route exists, method does not                   405 method_not_allowed
//      (with an Allow header: the 405 that RFC 9110 prescribes tells the
//      client exactly what it got wrong, which 404 would hide)
//   4. names, keys, partition                          400 / 413
//   5. query parameters (query_params.hpp)             400 / 413
//   6. body (parse_request only; request_body.hpp)     400 invalid_json / 400 / 413
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/http_message.hpp"

namespace ropekv::net {

/// One method of one route of the table, e.g. {"/v1/tables/{t}/items/{hk}",
/// put, put_item}; captures are written {t} {hk} {rk} {p} {n} {f} {id}.
/// What tests walk so that a new route cannot escape them (e.g. the
/// router's auth test: every route with every kind of token).
struct route_entry {
  std::string pattern;
  http_method method = http_method::get;
  api_kind kind = api_kind::healthz;
};
std::vector<route_entry> route_entries();

/// Steps 1-5: everything the method and target determine.
http_result<api_request> route_request(http_method method, std::string_view target);

/// Steps 1-6: route_request plus the body of kinds that take one
/// (create_table, put_item, batch, transact, rollback_partition, put_index,
/// put_hook). Bodies of other kinds are ignored.
http_result<api_request> parse_request(const http_request& request);

/// Settles item requests once the table's schema is known:
///  - table with a range key: GET items/{hk} becomes query_items; PUT/DELETE
///    items/{hk} without {rk} is 400;
///  - table without one: any {rk} is 400, as are range-query parameters on
///    GET items/{hk}.
/// Other kinds pass unchanged.
http_result<void> apply_table_shape(api_request& request, bool table_has_range_key);

}  // namespace ropekv::net
