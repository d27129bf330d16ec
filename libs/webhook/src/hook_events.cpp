#include "ropekv/webhook/hook_events.hpp"

namespace ropekv::webhook {

std::string_view to_string(hook_event e) noexcept {
  switch (e) {
    case hook_event::create: return "create";
    case hook_event::update: return "update";
    case hook_event::remove: return "delete";
    case hook_event::expired: return "expired";
    case hook_event::rollback: return "rollback";
  }
  return "unknown";
}

std::optional<hook_event> parse_hook_event(std::string_view name) noexcept {
  for (int i = 0; i < hook_event_count; ++i) {
    auto e = static_cast<hook_event>(i);
    if (to_string(e) == name) return e;
  }
  return std::nullopt;
}

event_set event_set::all() noexcept {
  event_set s;
  for (int i = 0; i < hook_event_count; ++i) s.add(static_cast<hook_event>(i));
  return s;
}

bool event_set::matches(pb::ChangeKind kind) const noexcept {
  switch (kind) {
    case pb::CHANGE_PUT: return contains(hook_event::create) || contains(hook_event::update);
    case pb::CHANGE_CREATE: return contains(hook_event::create);
    case pb::CHANGE_UPDATE: return contains(hook_event::update);
    case pb::CHANGE_DELETE: return contains(hook_event::remove);
    case pb::CHANGE_EXPIRED: return contains(hook_event::expired);
    case pb::CHANGE_ROLLBACK: return contains(hook_event::rollback);
    default: return false;  // a kind newer than this code: not subscribed
  }
}

checked<event_set> parse_event_list(const google::protobuf::RepeatedPtrField<std::string>& names) {
  if (names.empty()) return event_set::all();
  event_set out;
  for (const auto& name : names) {
    auto e = parse_hook_event(name);
    if (!e) {
      // Echoed to the client: printable ASCII only, cut short.
      std::string shown;
      for (char c : name.substr(0, 32)) shown += (c >= 0x20 && c < 0x7F) ? c : '?';
      if (name.size() > 32) shown += "...";
      return hook_error{hook_code::bad_event,
                        "unknown event \"" + shown + "\" (expected create, update, delete, expired or rollback)"};
    }
    if (out.contains(*e))
      return hook_error{hook_code::bad_event, "event \"" + std::string(to_string(*e)) + "\" listed twice"};
    out.add(*e);
  }
  return out;
}

}  // namespace ropekv::webhook
