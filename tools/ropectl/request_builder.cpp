#include "request_builder.hpp"

#include <utility>

#include "ropekv/net/json_writer.hpp"
#include "ropekv/net/percent_decode.hpp"

namespace ropekv::ctl {
namespace {

using net::percent_encode;

// Collects "name=value" pairs; values percent-encoded.
class query_string {
 public:
  void add(std::string_view name, std::string_view value) {
    text_ += text_.empty() ? '?' : '&';
    text_ += name;
    text_ += '=';
    text_ += percent_encode(value);
  }
  void add(std::string_view name, uint64_t value) { add(name, std::to_string(value)); }
  template <class T>
  void add(std::string_view name, const std::optional<T>& value) {
    if (value) add(name, *value);
  }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string table_path(const command& cmd) { return "/v1/tables/" + percent_encode(cmd.table); }

std::string item_path(const command& cmd) {
  std::string path = table_path(cmd) + "/items/" + percent_encode(cmd.hash_key);
  if (cmd.range_key) path += "/" + percent_encode(*cmd.range_key);
  return path;
}

std::string table_body(const table_options& t) {
  net::json_writer w;
  w.begin_object().field("hash_key", t.hash_key);
  if (t.range_key) w.field("range_key", *t.range_key);
  if (t.local_index) w.field("local_index", *t.local_index);
  if (t.replication) w.field("replication", *t.replication);
  if (t.default_ttl) w.field("default_ttl", *t.default_ttl);
  if (t.segments) w.field("segments", *t.segments);
  return w.end_object().take();
}

void add_condition(query_string& q, const write_options& w) {
  q.add("if", w.condition);
  q.add("if_version", w.if_version);
}

void add_read(query_string& q, const read_options& r) {
  q.add("consistency", r.consistency);
  q.add("as_of", r.as_of);
}

std::string query_target(const command& cmd) {
  query_string q;
  const range_options& r = cmd.range;
  q.add("from", r.from);
  q.add("to", r.to);
  q.add("limit", r.limit);
  if (r.reverse) q.add("reverse", "true");
  if (r.local_index) q.add("index", "local");
  add_read(q, cmd.read);
  q.add("cursor", r.cursor);
  return item_path(cmd) + q.take();
}

std::string scan_target(const command& cmd) {
  query_string q;
  q.add("limit", cmd.range.limit);
  add_read(q, cmd.read);
  q.add("cursor", cmd.range.cursor);
  return table_path(cmd) + "/scan" + q.take();
}

std::string partition_path(const command& cmd) {
  return table_path(cmd) + "/partitions/" + std::to_string(cmd.partition);
}

std::string hook_path(const command& cmd) { return "/v1/hooks/" + percent_encode(cmd.hook_name); }

// Every member as the router's parse_hook_spec reads it; absent options
// are left out so that the router's defaults apply (events: all kinds).
std::string hook_body(const command& cmd) {
  const hook_options& h = cmd.hook;
  net::json_writer w;
  w.begin_object().field("url", h.url).field("table", cmd.table);
  if (!h.events.empty()) {
    w.key("events").begin_array();
    for (const auto& e : h.events) w.value(e);
    w.end_array();
  }
  if (h.prefix) w.field("prefix", *h.prefix);
  if (h.secret) w.field("secret", *h.secret);
  return w.end_object().take();
}

std::string index_path(const command& cmd) {
  return table_path(cmd) + "/indexes/" + percent_encode(cmd.index.name);
}

// The body the router's parse_index_spec reads; type, projection and unique
// only when given, so that its defaults (string, all, false) apply.
std::string index_body(const index_options& ix) {
  net::json_writer w;
  w.begin_object().field("attribute", ix.attribute);
  if (ix.type) w.field("type", *ix.type);
  if (ix.projection) w.field("projection", *ix.projection);
  if (ix.unique) w.field("unique", true);
  return w.end_object().take();
}

std::string index_query_target(const command& cmd) {
  query_string q;
  const range_options& r = cmd.range;
  q.add("eq", cmd.index.eq);
  q.add("from", r.from);
  q.add("to", r.to);
  q.add("limit", r.limit);
  if (r.reverse) q.add("reverse", "true");
  for (const auto& token : cmd.index.after) q.add("after", token);  // the router takes it repeated
  q.add("cursor", r.cursor);
  return index_path(cmd) + "/items" + q.take();
}

}  // namespace

api_call build_request(const command& cmd) {
  switch (cmd.kind) {
    case command_kind::tables_list: return {"GET", "/v1/tables", {}};
    case command_kind::tables_create: return {"PUT", table_path(cmd), table_body(cmd.table_spec)};
    case command_kind::tables_get: return {"GET", table_path(cmd), {}};
    case command_kind::tables_delete: return {"DELETE", table_path(cmd), {}};
    case command_kind::put: {
      query_string q;
      q.add("ttl", cmd.write.ttl);
      add_condition(q, cmd.write);
      return {"PUT", item_path(cmd) + q.take(), cmd.item};
    }
    case command_kind::get: {
      query_string q;
      add_read(q, cmd.read);
      return {"GET", item_path(cmd) + q.take(), {}};
    }
    case command_kind::del: {
      query_string q;
      add_condition(q, cmd.write);
      return {"DELETE", item_path(cmd) + q.take(), {}};
    }
    case command_kind::query: return {"GET", query_target(cmd), {}};
    case command_kind::scan: return {"GET", scan_target(cmd), {}};
    case command_kind::partition: return {"GET", partition_path(cmd), {}};
    case command_kind::rollback: {
      net::json_writer w;
      w.begin_object().field("to_version", cmd.to_version).end_object();
      return {"POST", partition_path(cmd) + "/rollback", w.take()};
    }
    case command_kind::cluster: return {"GET", "/v1/cluster", {}};
    case command_kind::health: return {"GET", "/healthz", {}};
    case command_kind::hooks_list: return {"GET", "/v1/hooks", {}};
    case command_kind::hooks_put: return {"PUT", hook_path(cmd), hook_body(cmd)};
    case command_kind::hooks_get: return {"GET", hook_path(cmd), {}};
    case command_kind::hooks_delete: return {"DELETE", hook_path(cmd), {}};
    case command_kind::index_create: return {"PUT", index_path(cmd), index_body(cmd.index)};
    case command_kind::index_get: return {"GET", index_path(cmd), {}};
    case command_kind::index_list: return {"GET", table_path(cmd) + "/indexes", {}};
    case command_kind::index_delete: return {"DELETE", index_path(cmd), {}};
    case command_kind::index_query: return {"GET", index_query_target(cmd), {}};
    case command_kind::transact: return {"POST", "/v1/transact", cmd.transaction};
    case command_kind::watch: break;  // not HTTP: see watch_runner
    case command_kind::load:           // many requests: load_runner
    case command_kind::export_: break; // many requests: export_runner
    case command_kind::nodes: return {"GET", "/v1/cluster", {}};
    case command_kind::node_drain: return {"POST", "/v1/nodes/" + std::to_string(cmd.node.id) + "/drain", {}};
    case command_kind::node_undrain: return {"DELETE", "/v1/nodes/" + std::to_string(cmd.node.id) + "/drain", {}};
    case command_kind::auth_create: {
      net::json_writer w;
      w.begin_object().field("name", cmd.auth.name).key("roles").begin_array();
      for (const auto& r : cmd.auth.roles) w.value(r);
      w.end_array();
      if (cmd.auth.expires_in) w.field("expires_in", *cmd.auth.expires_in);
      if (cmd.auth.rate_limit) w.field("rate_limit", *cmd.auth.rate_limit);
      w.end_object();
      return {"POST", "/v1/auth/tokens", w.take()};
    }
    case command_kind::auth_list: return {"GET", "/v1/auth/tokens", {}};
    case command_kind::auth_revoke: return {"DELETE", "/v1/auth/tokens/" + percent_encode(cmd.auth.name), {}};
  }
  return {"GET", "/healthz", {}};
}

api_call with_cursor(const api_call& call, std::string_view cursor) {
  api_call next = call;
  std::string& t = next.target;
  // Drop an existing cursor parameter: the router rejects repeated ones.
  auto q = t.find('?');
  if (q != std::string::npos) {
    std::string kept;
    size_t start = q + 1;
    while (start <= t.size()) {
      auto amp = t.find('&', start);
      std::string_view piece(t.data() + start, (amp == std::string::npos ? t.size() : amp) - start);
      if (!piece.starts_with("cursor=") && !piece.empty()) {
        kept += kept.empty() ? "" : "&";
        kept += piece;
      }
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
    t.resize(q);
    if (!kept.empty()) t += "?" + kept;
  }
  if (!cursor.empty()) {
    t += t.find('?') == std::string::npos ? '?' : '&';
    t += "cursor=" + percent_encode(cursor);
  }
  return next;
}

}  // namespace ropekv::ctl
