#include "output_formatter.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace ropekv::ctl {
namespace {

size_t display_width(std::string_view s) {
  // UTF-8 continuation bytes (10xxxxxx) take no column of their own.
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A member's display text, or "-" when absent, null or empty.
std::string cell(const json_value* v) {
  if (!v) return "-";
  std::string s = v->to_display();
  return s.empty() ? "-" : s;
}

std::string cell(const json_value& object, std::string_view key) { return cell(object.find(key)); }

// A key member (plain or base64) rendered with display_key; nullopt when absent.
std::optional<std::string> key_text(const json_value& object, std::string_view name) {
  auto bytes = key_member(object, name);
  if (!bytes) return std::nullopt;
  return display_key(*bytes);
}

std::string item_keys(const command& cmd) {
  std::string out = display_key(cmd.hash_key);
  if (cmd.range_key) out += " " + display_key(*cmd.range_key);
  return out;
}

std::string with_version(std::string line, const json_value& body) {
  if (const json_value* v = body.find("version")) line += "  v=" + v->to_display();
  return line + "\n";
}

}  // namespace

std::string format_columns(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], display_width(row[i]));
    }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(width[i] - display_width(row[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

std::string format_item(const json_value& item, const command* fallback) {
  std::string line;
  auto hash = key_text(item, "hash_key");
  if (hash || !fallback) {
    line = hash.value_or("-");
    if (auto range = key_text(item, "range_key")) line += " " + *range;
  } else {
    line = item_keys(*fallback);
  }
  if (const json_value* v = item.find("version")) line += "  v=" + v->to_display();
  if (const json_value* value = item.find("item")) line += "  " + value->to_json();
  if (const json_value* exp = item.find("expires_at_ms"); exp && exp->is_number()) {
    const std::string& t = exp->text();
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ms);
    bool integer = ec == std::errc() && end == t.data() + t.size();
    line += "  expires=" + (integer ? format_utc_ms(ms) : t);  // else: as sent
  }
  return line + "\n";
}

std::vector<const json_value*> page_items(const json_value& page) {
  std::vector<const json_value*> out;
  if (const json_value* items = page.find("items"); items && items->is_array()) {
    for (const auto& item : items->elements()) out.push_back(&item);
  } else if (page.find("item")) {
    out.push_back(&page);
  }
  return out;
}

std::string format_items(const json_value& page) {
  std::string out;
  for (const json_value* item : page_items(page)) out += format_item(*item);
  return out;
}

std::optional<std::string> page_cursor(const json_value& page) {
  const json_value* c = page.find("cursor");
  if (!c || !c->is_string() || c->text().empty()) return std::nullopt;
  return c->text();
}

std::string format_object(const json_value& object) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, v] : object.members()) rows.push_back({name + ":", cell(&v)});
  return format_columns(rows);
}

std::string format_tables(const json_value& body) {
  const json_value* tables = body.find("tables");
  if (!tables || !tables->is_array()) return format_object(body);
  if (tables->elements().empty()) return "(no tables)\n";
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "HASH_KEY", "RANGE_KEY", "LOCAL_INDEX", "REPLICATION", "DEFAULT_TTL"}};
  for (const auto& t : tables->elements())
    rows.push_back({cell(t, "name"), cell(t, "hash_key"), cell(t, "range_key"), cell(t, "local_index"),
                    cell(t, "replication"), cell(t, "default_ttl")});
  return format_columns(rows);
}

namespace {

// "put accounts b" for ops[i] of the request; "" when it does not say.
std::string op_label(const json_value* request_ops, size_t i) {
  if (!request_ops || !request_ops->is_array() || i >= request_ops->elements().size()) return {};
  const json_value& op = request_ops->elements()[i];
  if (!op.is_object() || op.members().size() != 1) return {};
  const auto& [kind, spec] = op.members()[0];
  std::string out = kind;
  if (const json_value* t = spec.find("table"); t && t->is_string()) out += " " + t->text();
  if (const json_value* h = spec.find("hash_key"); h && h->is_string()) out += " " + display_key(h->text());
  if (const json_value* r = spec.find("range_key"); r && r->is_string()) out += " " + display_key(r->text());
  return out;
}

const json_value* request_ops(const command& cmd, std::optional<json_value>& holder) {
  if (auto parsed = json_value::parse(cmd.transaction); parsed && parsed->is_object()) holder = std::move(*parsed);
  return holder ? holder->find("ops") : nullptr;
}

}  // namespace

std::string format_transaction(const command& cmd, const json_value& body) {
  std::string out = "committed at version " + cell(body, "version");
  if (const json_value* d = body.find("deduplicated"); d && d->as_bool())
    out += " (deduplicated: the first outcome of this request_id; nothing was applied again)";
  out += "\n";
  std::optional<json_value> request;
  const json_value* asked = request_ops(cmd, request);
  const json_value* ops = body.find("ops");
  if (!ops || !ops->is_array()) return out;
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < ops->elements().size(); ++i) {
    const json_value& op = ops->elements()[i];
    std::string label = op_label(asked, i);
    if (label.empty()) label = cell(op, "op") + " " + cell(op, "table");
    std::string result;
    if (const json_value* item = op.find("item")) {
      // The keys are in the label already: the version and the item.
      result = item->is_null() ? "(absent)" : "v=" + cell(*item, "version");
      if (const json_value* value = item->is_null() ? nullptr : item->find("item")) result += "  " + value->to_json();
    } else if (const json_value* v = op.find("version")) {
      result = "v=" + v->to_display();
    }
    rows.push_back({"  ops[" + std::to_string(i) + "]", label, result});
  }
  return out + format_columns(rows);
}

std::string format_transaction_error(const command& cmd, unsigned status, std::string_view body) {
  std::string out = format_error(status, body);
  auto doc = json_value::parse(body);
  if (!doc || !doc->is_object()) return out;
  const json_value* e = doc->find("error");
  const json_value* reasons = e ? e->find("reasons") : nullptr;
  if (!reasons || !reasons->is_array()) return out;
  std::optional<json_value> request;
  const json_value* asked = request_ops(cmd, request);
  for (const auto& r : reasons->elements()) {
    std::string code = cell(r, "code");
    if (code == "none" || code == "-") continue;
    auto index = r.find("index") ? r.find("index")->as_uint64() : std::nullopt;
    std::string label = index ? "ops[" + std::to_string(*index) + "]" : "ops[?]";
    if (index) {
      std::string what = op_label(asked, static_cast<size_t>(*index));
      if (!what.empty()) label += " " + what;
    }
    out += "\n  " + label + ": " + code;
    if (const json_value* m = r.find("message"); m && !m->to_display().empty()) out += ": " + m->to_display();
    if (const json_value* v = r.find("version")) out += " (current version " + v->to_display() + ")";
  }
  return out;
}

std::string format_success(const command& cmd, const json_value& body, unsigned status) {
  switch (cmd.kind) {
    case command_kind::tables_list: return format_tables(body);
    case command_kind::tables_create: return "created table " + cmd.table + "\n";
    case command_kind::tables_delete: return "deleted table " + cmd.table + "\n";
    case command_kind::tables_get: return format_object(body);
    case command_kind::put: {
      std::string line = with_version(item_keys(cmd), body);
      if (const json_value* created = body.find("created"))
        line.insert(line.size() - 1, created->as_bool() ? "  created" : "  updated");
      return line;
    }
    case command_kind::get:
      // Without a range key on a table that has one, the router answers a page.
      if (body.find("items")) return format_items(body);
      return format_item(body, &cmd);
    case command_kind::del: return with_version("deleted " + item_keys(cmd), body);
    case command_kind::query:
    case command_kind::scan: return format_items(body);
    case command_kind::partition: return format_object(body);
    case command_kind::rollback:
      return "rolled back partition " + std::to_string(cmd.partition) + " of " + cmd.table +
             " to version " + std::to_string(cmd.to_version) + "\n";
    case command_kind::cluster: return format_cluster(body);
    case command_kind::health: {
      const json_value* s = body.find("status");
      return (s ? s->to_display() : std::string("ok")) + "\n";
    }
    case command_kind::hooks_list: return format_hooks(body);
    case command_kind::hooks_get: return format_hook(body);
    case command_kind::hooks_put:
      return (status == 201 ? "created hook " : "replaced hook ") + cmd.hook_name + "\n";
    case command_kind::hooks_delete: return "deleted hook " + cmd.hook_name + "\n";
    case command_kind::watch: return {};  // streamed by watch_runner
    case command_kind::index_create:
    case command_kind::index_get:
    case command_kind::index_list:
    case command_kind::index_delete:
    case command_kind::index_query: return {};  // JSON, printed by index_runner
    case command_kind::transact: return format_transaction(cmd, body);
    case command_kind::load:
    case command_kind::export_: return {};  // printed by load_runner / export_runner
    case command_kind::nodes: return format_nodes(body);
    case command_kind::node_drain:
    case command_kind::node_undrain: return format_node_load(cmd, body);
    case command_kind::auth_create:
    case command_kind::auth_list:
    case command_kind::auth_revoke: return format_auth(cmd, body);
  }
  return {};
}

std::string format_error(unsigned status, std::string_view body) {
  if (auto doc = json_value::parse(body); doc && doc->is_object()) {
    if (const json_value* e = doc->find("error"); e && e->is_object()) {
      const json_value* message = e->find("message");
      return "error: " + cell(*e, "code") + ": " + (message ? message->to_display() : "");
    }
  }
  std::string_view first = body.substr(0, body.find('\n'));
  if (first.size() > 200) first = first.substr(0, 200);
  std::string message = display_key(first);
  if (message.empty()) message = "HTTP status " + std::to_string(status);
  return "error: http_" + std::to_string(status) + ": " + message;
}

std::string shell_quote(std::string_view text) {
  bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_.~:/=+,@%").find(c) != std::string_view::npos;
  });
  if (safe) return std::string(text);
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace ropekv::ctl
