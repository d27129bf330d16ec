#pragma once
// A hook's endpoint URL, parsed once (by the router when the hook is put, by
// the notifier before posting) into the parts a client needs.
//
// Accepted: `http://host[:port][/path][?query]` and the same with https.
//   - scheme and host are case-insensitive and stored lower-case;
//   - host is a DNS name (letters, digits, '-', '_', dot-separated labels of
//     1..63, at most 253 bytes), an IPv4 literal, or a bracketed IPv6
//     literal (stored without brackets);
//   - port 1..65535, default 80 / 443;
//   - no user info (`user@`), no fragment (`#`), no bytes outside printable
//     ASCII (space included), at most max_url_bytes.
// An empty path becomes "/". Nothing is resolved here: whether the host may
// be reached (SSRF policy) is the notifier's deployment concern.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/webhook/hook_error.hpp"

namespace ropekv::webhook {

inline constexpr size_t max_url_bytes = 2048;

struct hook_url {
  std::string scheme;  // "http" or "https"
  std::string host;    // no brackets around IPv6
  uint16_t port = 0;   // explicit or the scheme's default
  std::string target;  // path and query; starts with '/'

  bool https() const noexcept { return scheme == "https"; }
  /// True when host is an IPv6 literal (it contains ':').
  bool ipv6_literal() const noexcept { return host.find(':') != std::string::npos; }
  /// Value of the Host header: host, bracketed when IPv6, with ":port" when
  /// not the scheme's default.
  std::string host_header() const;
  /// The URL back in canonical text form.
  std::string to_string() const;

  friend bool operator==(const hook_url&, const hook_url&) = default;
};

/// Parses and validates `url`; error code hook_code::bad_url.
checked<hook_url> parse_hook_url(std::string_view url);

}  // namespace ropekv::webhook
