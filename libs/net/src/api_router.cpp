#include "ropekv/net/api_router.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "ropekv/net/json_body.hpp"
#include "ropekv/net/percent_decode.hpp"
#include "ropekv/net/query_params.hpp"
#include "ropekv/net/request_body.hpp"
#include "ropekv/net/validation.hpp"

namespace ropekv::net {
namespace {

// A path pattern: literal segments, or captures written {t} (table),
// {hk}, {rk}, {p} (partition), {n} (index or hook name), {f} (console file),
// {id} (node id).
struct route {
  std::vector<std::string_view> parts;
  std::vector<std::pair<http_method, api_kind>> methods;
};

using m = http_method;
using k = api_kind;

const std::vector<route>& routes() {
  static const std::vector<route> table = {
      {{"healthz"}, {{m::get, k::healthz}}},
      {{"readyz"}, {{m::get, k::readyz}}},
      {{"metrics"}, {{m::get, k::metrics}}},
      {{"v1", "tables"}, {{m::get, k::list_tables}}},
      {{"v1", "tables", "{t}"},
       {{m::put, k::create_table}, {m::get, k::get_table}, {m::delete_, k::delete_table}}},
      {{"v1", "tables", "{t}", "items", "{hk}"},
       {{m::put, k::put_item}, {m::get, k::get_item}, {m::delete_, k::delete_item}}},
      {{"v1", "tables", "{t}", "items", "{hk}", "{rk}"},
       {{m::put, k::put_item}, {m::get, k::get_item}, {m::delete_, k::delete_item}}},
      {{"v1", "tables", "{t}", "scan"}, {{m::get, k::scan}}},
      {{"v1", "tables", "{t}", "batch"}, {{m::post, k::batch}}},
      {{"v1", "tables", "{t}", "split"}, {{m::post, k::split_table}}},
      {{"v1", "tables", "{t}", "partitions", "{p}"}, {{m::get, k::get_partition}}},
      {{"v1", "tables", "{t}", "partitions", "{p}", "rollback"},
       {{m::post, k::rollback_partition}}},
      {{"v1", "tables", "{t}", "indexes"}, {{m::get, k::list_indexes}}},
      {{"v1", "tables", "{t}", "indexes", "{n}"},
       {{m::put, k::put_index}, {m::get, k::get_index}, {m::delete_, k::delete_index}}},
      {{"v1", "tables", "{t}", "indexes", "{n}", "items"}, {{m::get, k::index_query}}},
      {{"v1", "transact"}, {{m::post, k::transact}}},
      {{"v1", "hooks"}, {{m::get, k::list_hooks}}},
      {{"v1", "hooks", "{n}"},
       {{m::put, k::put_hook}, {m::get, k::get_hook}, {m::delete_, k::delete_hook}}},
      {{"v1", "cluster"}, {{m::get, k::cluster}}},
      {{"v1", "nodes", "{id}", "drain"}, {{m::post, k::drain_node}, {m::delete_, k::undrain_node}}},
      {{"v1", "auth", "tokens"}, {{m::post, k::create_token}, {m::get, k::list_tokens}}},
      {{"v1", "auth", "tokens", "{n}"}, {{m::delete_, k::revoke_token}}},
      {{""}, {{m::get, k::console}}},
      {{"console", "{f}"}, {{m::get, k::console}}},
  };
  return table;
}

bool is_capture(std::string_view part) { return !part.empty() && part.front() == '{'; }

const route* match(const std::vector<std::string>& segments) {
  for (const auto& r : routes()) {
    if (r.parts.size() != segments.size()) continue;
    bool ok = true;
    for (size_t i = 0; ok && i < segments.size(); ++i)
      ok = is_capture(r.parts[i]) || r.parts[i] == segments[i];
    if (ok) return &r;
  }
  return nullptr;
}

std::string allow_header(const route& r) {
  std::string out;
  for (const auto& [method, kind] : r.methods) {
    if (!out.empty()) out += ", ";
    out += to_string(method);
  }
  return out;
}

// Moves the captured segments into `req`, validating each.
http_result<void> capture(const route& r, std::vector<std::string>& segments, api_request& req) {
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view part = r.parts[i];
    if (!is_capture(part)) continue;
    std::string& seg = segments[i];
    http_result<void> ok;
    if (part == "{t}") {
      ok = validate_table_name(seg);
      req.table = std::move(seg);
    } else if (part == "{hk}") {
      ok = validate_hash_key(seg);
      req.hash_key = std::move(seg);
    } else if (part == "{rk}") {
      ok = validate_range_key(seg);
      req.range_key = std::move(seg);
    } else if (part == "{n}") {
      ok = validate_name(r.parts[1] == "hooks"  ? "hook name"
                         : r.parts[1] == "auth" ? "token name"
                                                : "index name",
                         seg);
      req.name = std::move(seg);
    } else if (part == "{f}") {
      // Looked up by exact name among the embedded files: anything else is 404 there.
      if (seg.empty()) return http_error::from(errc::not_found, "no such console file: (empty name)");
      req.name = std::move(seg);
    } else if (part == "{id}") {
      // Node ids are positive decimal integers (as GET /v1/cluster shows them).
      uint64_t id = 0;
      bool digits = !seg.empty() && seg.size() <= 19 &&
                    std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) id = std::stoull(seg);
      if (id == 0) return http_error::from(errc::invalid_argument, "node id must be a positive integer");
      req.node_id = id;
    } else if (part == "{p}") {
      auto p = parse_partition(seg);
      if (!p) return std::move(p).error();
      req.partition = *p;
    }
    if (!ok) return std::move(ok).error();
  }
  return {};
}

http_result<api_body> parse_body(api_kind kind, std::string_view body) {
  auto wrap = [](auto parsed) -> http_result<api_body> {
    if (!parsed) return std::move(parsed).error();
    return api_body(std::move(parsed).value());
  };
  switch (kind) {
    case k::create_table: return wrap(parse_table_spec(body));
    case k::put_item: return wrap(parse_item_body(body));
    case k::rollback_partition: return wrap(parse_rollback_spec(body));
    case k::batch:
    case k::transact:
    case k::split_table:
    case k::put_index:
    case k::put_hook:
    case k::create_token: return wrap(normalize_json_object(body));
    default: return api_body{};
  }
}

}  // namespace

std::vector<route_entry> route_entries() {
  std::vector<route_entry> out;
  for (const auto& r : routes()) {
    std::string pattern;
    for (auto part : r.parts) pattern += "/" + std::string(part);
    for (const auto& [method, kind] : r.methods) out.push_back({pattern, method, kind});
  }
  return out;
}

http_result<api_request> route_request(http_method method, std::string_view target) {
  auto split = split_request_target(target);
  if (!split) return std::move(split).error();
  auto segments = decode_path_segments(split->path);
  if (!segments) return std::move(segments).error();
  const route* r = match(*segments);
  if (!r)
    return http_error::from(errc::not_found,
                            "no such endpoint: " + printable(split->path));
  api_request req;
  bool method_ok = false;
  for (const auto& [allowed, kind] : r->methods)
    if (allowed == method) { req.kind = kind; method_ok = true; }
  if (!method_ok) return http_error::method_not_allowed(allow_header(*r));
  if (auto ok = capture(*r, *segments, req); !ok) return std::move(ok).error();
  auto pairs = parse_query(split->query);
  if (!pairs) return std::move(pairs).error();
  auto params = parse_params(req.kind, req.range_key.has_value(), *pairs);
  if (!params) return std::move(params).error();
  req.params = std::move(params).value();
  return req;
}

http_result<api_request> parse_request(const http_request& request) {
  auto req = route_request(request.method, request.target);
  if (!req) return req;
  auto body = parse_body(req->kind, request.body);
  if (!body) return std::move(body).error();
  req->body = std::move(body).value();
  return req;
}

http_result<void> apply_table_shape(api_request& req, bool table_has_range_key) {
  bool item_kind = req.kind == k::put_item || req.kind == k::get_item ||
                   req.kind == k::delete_item || req.kind == k::query_items;
  if (!item_kind) return {};
  auto bad = [](const char* message) { return http_error::from(errc::invalid_argument, message); };
  if (!table_has_range_key) {
    if (req.range_key) return bad("table has no range key; use /items/{hash key}");
    if (req.kind == k::query_items || has_range_query_params(req.params))
      return bad("table has no range key; range-query parameters do not apply");
    return {};
  }
  if (req.range_key) return {};
  if (req.kind == k::get_item) {
    req.kind = k::query_items;
    return {};
  }
  if (req.kind == k::query_items) return {};
  return bad("table has a range key; use /items/{hash key}/{range key}");
}

}  // namespace ropekv::net
