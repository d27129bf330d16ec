#include "ropekv/webhook/hook_validation.hpp"

#include <algorithm>
#include <cctype>

namespace ropekv::webhook {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

}  // namespace

std::optional<hook_error> check_hook_name(std::string_view name) {
  if (name.empty() || name.size() > max_hook_name_bytes)
    return hook_error{hook_code::bad_name, "hook name must be 1 to 64 bytes"};
  // isalnum is locale-dependent for bytes >= 0x80; reject those first.
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x80 || !name_char(c))
      return hook_error{hook_code::bad_name, "hook name may only contain A-Z a-z 0-9 _ . -"};
  }
  return std::nullopt;
}

checked<validated_hook> validate_hook(const pb::HookSpec& spec) {
  if (auto err = check_hook_name(spec.name())) return std::move(*err);
  auto url = parse_hook_url(spec.url());
  if (!url) return std::move(url).error();
  if (spec.table().empty()) return hook_error{hook_code::bad_table, "hook table is empty"};
  if (spec.table().size() > max_hook_table_bytes)
    return hook_error{hook_code::bad_table, "hook table name is longer than 255 bytes"};
  auto events = parse_event_list(spec.events());
  if (!events) return std::move(events).error();
  if (spec.prefix().size() > max_hook_prefix_bytes)
    return hook_error{hook_code::bad_prefix, "hook prefix is longer than 2048 bytes"};
  if (spec.secret().empty()) return hook_error{hook_code::bad_secret, "hook secret is empty"};
  auto key = secret::parse(spec.secret());
  if (!key) return hook_error{hook_code::bad_secret, key.error().message};
  return validated_hook{spec.name(), std::move(*url), spec.table(), *events, spec.prefix(), std::move(*key)};
}

}  // namespace ropekv::webhook
