#include "watch_frames.hpp"

#include "key_text.hpp"
#include "output_formatter.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::ctl {
namespace {

std::string text_of(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  if (!v || v->is_null()) return "-";
  std::string s = v->to_display();
  return s.empty() ? "-" : s;
}

std::optional<std::string> string_member(const json_value& object, std::string_view key) {
  const json_value* v = object.find(key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->text();
}

frame_op op_of(std::string_view op) {
  if (op == "event") return frame_op::event;
  if (op == "subscribed") return frame_op::subscribed;
  if (op == "error") return frame_op::error;
  return frame_op::other;
}

}  // namespace

std::string subscribe_frame(const command& cmd) {
  const watch_options& w = cmd.watch;
  net::json_writer j;
  j.begin_object().field("op", "subscribe").field("id", watch_subscription_id).field("table", cmd.table);
  if (w.prefix) j.field("prefix", *w.prefix);
  if (w.hash_key) j.field("hash_key", *w.hash_key);
  if (!w.events.empty()) {
    j.key("events").begin_array();
    for (const auto& e : w.events) j.value(e);
    j.end_array();
  }
  if (w.from) j.field("from", *w.from);
  return j.end_object().take();
}

result<server_frame> parse_server_frame(std::string_view text) {
  auto parsed = json_value::parse(text);
  if (!parsed) return std::move(parsed).error();
  if (!parsed->is_object()) return make_error(errc::invalid_argument, "frame is not a JSON object");
  server_frame frame;
  frame.body = std::move(parsed).value();
  frame.op = op_of(string_member(frame.body, "op").value_or(""));
  if (auto token = string_member(frame.body, "token"); token && !token->empty()) frame.token = std::move(token);
  if (frame.op == frame_op::error) {
    frame.error_code = text_of(frame.body, "code");
    frame.error_message = string_member(frame.body, "message").value_or("");
  }
  return frame;
}

std::string format_event(const json_value& event) {
  std::string kind = text_of(event, "kind");
  std::string line = kind;
  line.append(kind.size() < 7 ? 7 - kind.size() : 0, ' ');
  line += " " + text_of(event, "table");
  if (kind == "rollback") {
    line += " partition=" + text_of(event, "partition");
    line += " to_version=" + text_of(event, "to_version");
    return line + "\n";
  }
  auto hash = key_member(event, "hash_key");
  line += "  " + (hash ? display_key(*hash) : std::string("-"));
  if (auto range = key_member(event, "range_key")) line += " " + display_key(*range);
  line += "  v=" + text_of(event, "version");
  const json_value* prev = event.find("prev_version");
  if (prev && prev->is_number() && prev->text() != "0") line += " prev=" + prev->text();
  if (const json_value* item = event.find("item"); item && !item->is_null()) line += "  " + item->to_json();
  return line + "\n";
}

std::string format_frame_error(const server_frame& frame) {
  std::string line = "error: " + frame.error_code + ": " + frame.error_message;
  if (frame.error_code == "slow_consumer" && frame.token)
    line += " (fell behind; resume with --from " + shell_quote(*frame.token) + ")";
  return line;
}

}  // namespace ropekv::ctl
