#include "ropekv/notify/frame_protocol.hpp"

#include <array>
#include <utility>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ropekv::notify {
namespace {

using rapidjson::Value;

constexpr std::array<std::string_view, 12> errc_names = {
    "malformed",      "unknown_op",    "bad_request",  "frame_too_large",
    "unknown_table",  "too_many_subscriptions",        "too_many_channels",
    "slow_consumer",  "feed_compacted", "bad_token",   "duplicate_id",
    "not_subscribed"};

std::string_view view_of(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

/// A client's value quoted into an error message, cut to a readable length
/// at a UTF-8 character boundary (the input was validated as UTF-8).
std::string quoted(std::string_view s) {
  constexpr size_t limit = 64;
  if (s.size() <= limit) return "'" + std::string(s) + "'";
  size_t n = limit;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return "'" + std::string(s.substr(0, n)) + "...'";
}

/// Compact JSON text of a parsed value. Only called on values whose depth
/// was checked (Accept recurses).
std::string compact(const Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

/// Without recursion: a client controls the nesting, and the I/O threads'
/// stacks are not theirs to exhaust.
bool deeper_than(const Value& root, size_t limit) {
  std::vector<std::pair<const Value*, size_t>> stack{{&root, 1}};
  while (!stack.empty()) {
    auto [v, depth] = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      if (depth > limit) return true;
      for (const auto& m : v->GetObject()) stack.emplace_back(&m.value, depth + 1);
    } else if (v->IsArray()) {
      if (depth > limit) return true;
      for (const auto& e : v->GetArray()) stack.emplace_back(&e, depth + 1);
    }
  }
  return false;
}

enum class id_state : uint8_t { absent, ok, wrong_type, too_long };

/// Reads the members of one frame object. Every check returns false after
/// recording the first error, which carries the id when it was readable.
class member_reader {
 public:
  explicit member_reader(const Value& obj) : obj_(obj) {
    auto it = obj.FindMember("id");
    if (it == obj.MemberEnd() || it->value.IsNull()) return;
    const Value& v = it->value;
    if (v.IsString()) {
      id_state_ = v.GetStringLength() > max_request_id_bytes ? id_state::too_long : id_state::ok;
    } else if (v.IsInt64() || v.IsUint64()) {
      id_state_ = id_state::ok;
    } else {
      id_state_ = id_state::wrong_type;
    }
    if (id_state_ == id_state::ok) id_ = compact(v);
  }

  const std::optional<std::string>& readable_id() const { return id_; }

  bool fail(frame_errc code, std::string message) {
    if (!error_) error_ = frame_error{code, std::move(message), id_};
    return false;
  }
  frame_error error() { return std::move(*error_); }

  bool required_id(std::string& out) {
    switch (id_state_) {
      case id_state::absent:
        return fail(frame_errc::malformed, "member 'id' is required");
      case id_state::wrong_type:
        return fail(frame_errc::malformed, "member 'id' must be a string or an integer");
      case id_state::too_long:
        return fail(frame_errc::bad_request, "member 'id' exceeds " +
                                                 std::to_string(max_request_id_bytes) + " bytes");
      case id_state::ok:
        break;
    }
    out = *id_;
    return true;
  }

  /// The member even when null; nullptr when absent.
  const Value* present_member(const char* name) const {
    auto it = obj_.FindMember(name);
    return it == obj_.MemberEnd() ? nullptr : &it->value;
  }

  /// Absent or null: nullptr, true.
  bool optional_member(const char* name, const Value*& out) {
    auto it = obj_.FindMember(name);
    out = (it == obj_.MemberEnd() || it->value.IsNull()) ? nullptr : &it->value;
    return true;
  }

  bool optional_string(const char* name, std::optional<std::string>& out) {
    const Value* v = nullptr;
    optional_member(name, v);
    if (!v) return true;
    if (!v->IsString())
      return fail(frame_errc::malformed, std::string("member '") + name + "' must be a string");
    out.emplace(view_of(*v));
    return true;
  }

  bool required_string(const char* name, std::string& out) {
    std::optional<std::string> s;
    if (!optional_string(name, s)) return false;
    if (!s) return fail(frame_errc::malformed, std::string("member '") + name + "' is required");
    out = std::move(*s);
    return true;
  }

  bool channel(std::string& out) {
    if (!required_string("channel", out)) return false;
    if (out.empty()) return fail(frame_errc::bad_request, "member 'channel' must not be empty");
    if (out.size() > max_channel_bytes)
      return fail(frame_errc::bad_request,
                  "member 'channel' exceeds " + std::to_string(max_channel_bytes) + " bytes");
    return true;
  }

 private:
  const Value& obj_;
  id_state id_state_ = id_state::absent;
  std::optional<std::string> id_;
  std::optional<frame_error> error_;
};

bool read_kinds(member_reader& r, event_kind_set& kinds) {
  const Value* events = nullptr;
  r.optional_member("events", events);
  if (!events) return true;  // default: all
  if (!events->IsArray()) return r.fail(frame_errc::malformed, "member 'events' must be an array");
  event_kind_set chosen;
  for (const auto& e : events->GetArray()) {
    if (!e.IsString())
      return r.fail(frame_errc::malformed, "member 'events' must hold only strings");
    auto kind = event_kind_from_string(view_of(e));
    if (!kind)
      return r.fail(frame_errc::bad_request, "unknown event kind " + quoted(view_of(e)) +
                                                 " (create, update, delete, expired, rollback)");
    chosen.insert(*kind);
  }
  if (chosen.empty()) return r.fail(frame_errc::bad_request, "member 'events' must not be empty");
  kinds = chosen;
  return true;
}

parse_result parse_subscribe(member_reader& r) {
  subscribe_request req;
  std::optional<std::string> from;
  if (!r.required_id(req.id) || !r.required_string("table", req.table) ||
      !r.optional_string("prefix", req.prefix) || !r.optional_string("hash_key", req.hash_key) ||
      !read_kinds(r, req.kinds) || !r.optional_string("from", from))
    return r.error();
  if (req.table.empty()) {
    r.fail(frame_errc::bad_request, "member 'table' must not be empty");
    return r.error();
  }
  if (req.prefix && req.hash_key) {
    r.fail(frame_errc::bad_request, "give at most one of 'prefix' and 'hash_key'");
    return r.error();
  }
  if (from && from->empty()) {
    r.fail(frame_errc::bad_request, "member 'from' must be a resume token or \"now\"");
    return r.error();
  }
  if (from && *from != "now") req.from_token = std::move(from);
  return client_request(std::move(req));
}

parse_result parse_unsubscribe(member_reader& r) {
  unsubscribe_request req;
  if (!r.required_id(req.id)) return r.error();
  return client_request(std::move(req));
}

template <class Request>
parse_result parse_channel_op(member_reader& r) {
  Request req;
  if (!r.channel(req.channel)) return r.error();
  return client_request(std::move(req));
}

parse_result parse_publish(member_reader& r) {
  publish_request req;
  if (!r.channel(req.channel)) return r.error();
  // "data": null is a legitimate payload: presence, not non-null, is required.
  const Value* data = r.present_member("data");
  if (!data) {
    r.fail(frame_errc::malformed, "member 'data' is required");
    return r.error();
  }
  req.data = compact(*data);
  return client_request(std::move(req));
}

}  // namespace

std::string_view to_string(frame_errc code) noexcept {
  const auto i = static_cast<size_t>(code);
  return i < errc_names.size() ? errc_names[i] : std::string_view("unknown");
}

std::optional<frame_errc> frame_errc_from_string(std::string_view name) noexcept {
  for (size_t i = 0; i < errc_names.size(); ++i)
    if (errc_names[i] == name) return static_cast<frame_errc>(i);
  return std::nullopt;
}

parse_result parse_client_frame(std::string_view text) {
  rapidjson::Document doc;
  // Iterative: a deeply nested frame must not recurse on the I/O thread.
  // Validating UTF-8 lets every string we echo back be valid JSON text.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(),
                                                                                    text.size());
  if (doc.HasParseError())
    return frame_error{frame_errc::malformed,
                       std::string("not valid JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
                           " (offset " + std::to_string(doc.GetErrorOffset()) + ")",
                       std::nullopt};
  if (!doc.IsObject())
    return frame_error{frame_errc::malformed, "a frame must be a JSON object", std::nullopt};
  member_reader r(doc);  // reads only the (scalar) id: safe before the depth check
  if (deeper_than(doc, max_json_depth)) {
    r.fail(frame_errc::bad_request,
           "JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
    return r.error();
  }
  auto op_it = doc.FindMember("op");
  if (op_it == doc.MemberEnd() || !op_it->value.IsString()) {
    r.fail(frame_errc::malformed, "member 'op' must be a string");
    return r.error();
  }
  const std::string_view op = view_of(op_it->value);
  if (op == "subscribe") return parse_subscribe(r);
  if (op == "unsubscribe") return parse_unsubscribe(r);
  if (op == "join") return parse_channel_op<join_request>(r);
  if (op == "leave") return parse_channel_op<leave_request>(r);
  if (op == "publish") return parse_publish(r);
  if (op == "members") return parse_channel_op<members_request>(r);
  if (op == "ping") return client_request(ping_request{});
  r.fail(frame_errc::unknown_op, "unknown op " + quoted(op));
  return r.error();
}

}  // namespace ropekv::notify
