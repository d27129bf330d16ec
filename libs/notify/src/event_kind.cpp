#include "ropekv/notify/event_kind.hpp"

#include <array>

namespace ropekv::notify {
namespace {

constexpr std::array<std::string_view, event_kind_count> names = {
    "create", "update", "delete", "expired", "rollback"};

}  // namespace

std::string_view to_string(event_kind kind) noexcept {
  const auto i = static_cast<size_t>(kind);
  return i < names.size() ? names[i] : std::string_view("unknown");
}

std::optional<event_kind> event_kind_from_string(std::string_view name) noexcept {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<event_kind>(i);
  return std::nullopt;
}

}  // namespace ropekv::notify
