#pragma once
// The event kinds a hook can subscribe to (HookSpec.events) and the set a
// notifier filters feed events with.
//
// Wire names: create | update | delete | expired | rollback. An empty list
// in a spec means every kind. A feed event of the legacy kind CHANGE_PUT
// (written before store schema 2, create and update not told apart) matches
// a set holding either create or update.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/repeated_field.h>

#include "ropekv/proto/ropekv.pb.h"
#include "ropekv/webhook/hook_error.hpp"

namespace ropekv::webhook {

enum class hook_event : uint8_t { create, update, remove, expired, rollback };
inline constexpr int hook_event_count = 5;

/// The wire name ("delete" for remove).
std::string_view to_string(hook_event e) noexcept;
/// Exact, lower-case wire name; nullopt otherwise.
std::optional<hook_event> parse_hook_event(std::string_view name) noexcept;

/// A small value set of hook_event.
class event_set {
 public:
  event_set() = default;
  static event_set all() noexcept;
  bool contains(hook_event e) const noexcept { return (bits_ & bit(e)) != 0; }
  void add(hook_event e) noexcept { bits_ = static_cast<uint8_t>(bits_ | bit(e)); }
  bool empty() const noexcept { return bits_ == 0; }
  /// Whether a feed event of this kind is delivered (see file comment).
  bool matches(pb::ChangeKind kind) const noexcept;

  friend bool operator==(const event_set&, const event_set&) = default;

 private:
  static uint8_t bit(hook_event e) noexcept { return static_cast<uint8_t>(1u << static_cast<unsigned>(e)); }
  uint8_t bits_ = 0;
};

/// The set named by a spec's events: every name valid and no name twice
/// (hook_code::bad_event otherwise); empty list -> event_set::all().
checked<event_set> parse_event_list(const google::protobuf::RepeatedPtrField<std::string>& names);

}  // namespace ropekv::webhook
