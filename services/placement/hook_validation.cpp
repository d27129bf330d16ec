#include "hook_validation.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

namespace ropekv::placement_service {
namespace {

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decoded length of standard base64 (padding optional); nullopt when the
// text is not base64.
std::optional<size_t> base64_decoded_size(std::string_view text) noexcept {
  size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (text.empty() || text.size() % 4 == 1) return std::nullopt;
  if (pad > 0 && (text.size() + pad) % 4 != 0) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return base64_value(c) >= 0; }))
    return std::nullopt;
  // Unused low bits of the last character must be zero (canonical form).
  int last = base64_value(text.back());
  if (text.size() % 4 == 2 && (last & 0x0f) != 0) return std::nullopt;
  if (text.size() % 4 == 3 && (last & 0x03) != 0) return std::nullopt;
  return text.size() / 4 * 3 + (text.size() % 4 == 0 ? 0 : text.size() % 4 - 1);
}

bool dns_name(std::string_view host) noexcept {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

bool ipv6_literal(std::string_view host) noexcept {
  if (host.size() < 2) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  });
}

bool valid_port(std::string_view port) noexcept {
  if (port.empty() || port.size() > 5) return false;
  uint32_t v = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  return v >= 1 && v <= 65535;
}

// http(s)://host[:port][/path][?query]: the form the notifier's poster
// accepts (libs/webhook hook_url.hpp), so no hook is stored that no notifier
// could deliver: a DNS name, IPv4 or [IPv6] host, no user info, no fragment,
// printable ASCII only.
bool valid_url(std::string_view url) noexcept {
  if (url.size() > max_hook_url_bytes) return false;
  if (!std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; })) return false;
  if (url.find('#') != std::string_view::npos) return false;
  std::string_view rest;
  if (url.rfind("http://", 0) == 0) rest = url.substr(7);
  else if (url.rfind("https://", 0) == 0) rest = url.substr(8);
  else return false;
  auto authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) return false;
  std::string_view host, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return false;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
      if (!valid_port(port)) return false;
    }
    return ipv6_literal(host);
  }
  auto colon = authority.find(':');
  host = authority.substr(0, colon);
  if (colon != std::string_view::npos && !valid_port(authority.substr(colon + 1))) return false;
  return dns_name(host);
}

}  // namespace

bool valid_hook_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

result<pb::HookSpec> validate_hook_spec(pb::HookSpec spec) {
  if (!valid_hook_name(spec.name()))
    return make_error(errc::invalid_argument,
                      "hook name must match [A-Za-z0-9_.-]{1,64}: '" + spec.name() + "'");
  if (!valid_url(spec.url()))
    return make_error(errc::invalid_argument,
                      "hook url must be http:// or https:// with a host: '" + spec.url() + "'");
  if (spec.table().empty()) return make_error(errc::invalid_argument, "a hook needs a table");
  if (spec.prefix().size() > max_hook_prefix_bytes)
    return make_error(errc::invalid_argument,
                      "hook prefix is " + std::to_string(spec.prefix().size()) + " bytes; the limit is " +
                          std::to_string(max_hook_prefix_bytes));
  std::vector<std::string> events;
  for (const auto& e : spec.events()) {
    if (std::find(std::begin(hook_event_kinds), std::end(hook_event_kinds), e) ==
        std::end(hook_event_kinds))
      return make_error(errc::invalid_argument,
                        "unknown hook event '" + e + "' (create|update|delete|expired|rollback)");
    if (std::find(events.begin(), events.end(), e) == events.end()) events.push_back(e);
  }
  spec.clear_events();
  for (auto& e : events) spec.add_events(std::move(e));
  constexpr std::string_view secret_prefix = "whsec_";
  std::string_view secret = spec.secret();
  if (secret.rfind(secret_prefix, 0) != 0)
    return make_error(errc::invalid_argument, "hook secret must start with whsec_");
  auto bytes = base64_decoded_size(secret.substr(secret_prefix.size()));
  if (!bytes)
    return make_error(errc::invalid_argument, "hook secret after whsec_ must be base64");
  if (*bytes < 24 || *bytes > 64)
    return make_error(errc::invalid_argument, "hook secret must hold 24 to 64 bytes, not " +
                                                  std::to_string(*bytes));
  return spec;
}

}  // namespace ropekv::placement_service
