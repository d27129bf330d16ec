// format_hooks / format_hook (declared in output_formatter.hpp): the hook
// JSON of GET /v1/hooks[/{name}] (services/router/responses.cpp write_hook)
// as a table of hooks, or one hook as aligned `name: value` lines with its
// delivery state flattened in.
// Kept apart from output_formatter.cpp, as cluster_formatter.cpp is, since a
// hook nests its state and times.
#include <charconv>

#include "output_formatter.hpp"

namespace ropekv::ctl {
namespace {

const json_value none_object = json_value::make(json_value::kind::object);

std::string text_of(const json_value* v) {
  if (!v || v->is_null()) return "-";
  std::string s = v->to_display();
  return s.empty() ? "-" : s;
}

std::string text_of(const json_value& object, std::string_view key) { return text_of(object.find(key)); }

const json_value& state_of(const json_value& hook) {
  const json_value* s = hook.find("state");
  return s && s->is_object() ? *s : none_object;
}

// ok | failing: the one word a list needs to spot a broken endpoint.
std::string health_of(const json_value& hook) {
  const json_value* failing = state_of(hook).find("failing");
  if (!failing || failing->type() != json_value::kind::boolean) return "-";
  return failing->as_bool() ? "failing" : "ok";
}

// The router writes 0 for "never" (no status yet, no attempt yet).
std::string nonzero(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  if (v && v->is_number() && v->text() == "0") return "-";
  return text_of(v);
}

std::string time_of(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  if (!v || !v->is_number()) return text_of(v);
  int64_t ms = 0;
  const std::string& t = v->text();
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ms);
  if (ec != std::errc() || end != t.data() + t.size()) return t;
  return ms == 0 ? "-" : format_utc_ms(ms);
}

std::string list_of(const json_value* v) {
  if (!v || !v->is_array()) return text_of(v);
  std::string out;
  for (const auto& e : v->elements()) out += (out.empty() ? "" : ",") + e.to_display();
  return out.empty() ? "-" : out;
}

}  // namespace

std::string format_hooks(const json_value& body) {
  const json_value* hooks = body.find("hooks");
  if (!hooks || !hooks->is_array()) return format_object(body);
  if (hooks->elements().empty()) return "(no hooks)\n";
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "TABLE", "URL", "STATE", "DELIVERED", "PENDING", "LAST_STATUS"}};
  for (const auto& h : hooks->elements()) {
    const json_value& st = state_of(h);
    rows.push_back({text_of(h, "name"), text_of(h, "table"), text_of(h, "url"), health_of(h),
                    text_of(st, "delivered"), text_of(st, "pending"), nonzero(st, "last_status")});
  }
  return format_columns(rows);
}

std::string format_hook(const json_value& hook) {
  const json_value& st = state_of(hook);
  std::vector<std::vector<std::string>> rows = {
      {"name:", text_of(hook, "name")},
      {"table:", text_of(hook, "table")},
      {"url:", text_of(hook, "url")},
      {"events:", list_of(hook.find("events"))},
      {"prefix:", text_of(hook, "prefix")},
      {"created:", time_of(hook, "created_ms")},
      {"state:", health_of(hook)},
      {"notifier:", nonzero(st, "notifier")},
      {"delivered:", text_of(st, "delivered")},
      {"pending:", text_of(st, "pending")},
      {"attempts:", text_of(st, "attempts")},
      {"last_status:", nonzero(st, "last_status")},
      {"last_error:", text_of(st, "last_error")},
      {"last_attempt:", time_of(st, "last_attempt_ms")},
      {"last_success:", time_of(st, "last_success_ms")},
      {"next_attempt:", time_of(st, "next_attempt_ms")},
  };
  return format_columns(rows);
}

}  // namespace ropekv::ctl
