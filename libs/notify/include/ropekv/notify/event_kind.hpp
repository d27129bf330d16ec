#pragma once
// event_kind: what happened to an item, as a change-feed event reports it,
// and event_kind_set: the kinds a subscription asks for.
//
// Wire names (client frames and event frames): "create", "update", "delete",
// "expired", "rollback". `remove` is spelled "delete" on the wire (delete is
// a C++ keyword).
//
// Both types are plain values; safe to copy and read from any thread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ropekv::notify {

enum class event_kind : uint8_t {
  create,
  update,
  remove,    // "delete"
  expired,   // removed by TTL
  rollback,  // a partition rolled back; carries no hash key
};

inline constexpr size_t event_kind_count = 5;

/// The wire name ("create", ..., "delete", ...).
std::string_view to_string(event_kind kind) noexcept;

/// Parses a wire name; nullopt for anything else (names are case-sensitive).
std::optional<event_kind> event_kind_from_string(std::string_view name) noexcept;

/// A set of kinds as a bit mask.
class event_kind_set {
 public:
  constexpr event_kind_set() = default;

  static constexpr event_kind_set all() noexcept {
    event_kind_set s;
    s.bits_ = (1u << event_kind_count) - 1;
    return s;
  }

  constexpr event_kind_set& insert(event_kind k) noexcept {
    bits_ |= bit(k);
    return *this;
  }
  constexpr bool contains(event_kind k) const noexcept { return (bits_ & bit(k)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr uint8_t bits() const noexcept { return bits_; }

  friend constexpr bool operator==(event_kind_set, event_kind_set) = default;

 private:
  static constexpr uint8_t bit(event_kind k) noexcept {
    return static_cast<uint8_t>(1u << static_cast<unsigned>(k));
  }
  uint8_t bits_ = 0;
};

}  // namespace ropekv::notify
