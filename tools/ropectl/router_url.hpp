#pragma once
// router_url: the --router value -> where to connect and what to prefix.
//
// Accepted: "http://host[:port][/base]", or "host[:port][/base]" (http
// assumed); IPv6 hosts in brackets ("http://[::1]:8080"). The base path lets
// ropectl talk to a router behind a path-routing proxy; it is prepended to
// every target. https is refused with a clear message rather than silently
// sent as plain text.
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

inline constexpr std::string_view default_router_url = "http://127.0.0.1:8080";

struct router_endpoint {
  std::string host;       // without brackets
  std::string port;       // "80" when absent
  std::string base_path;  // "" or "/prefix" (no trailing '/')

  /// The Host header value ("host:port", IPv6 in brackets).
  std::string host_header() const;
  /// "host:port" for messages.
  std::string display() const { return host_header(); }
};

/// errc::invalid_argument for an unusable URL.
result<router_endpoint> parse_router_url(std::string_view url);

/// --router when given, else $ROPEKV_ROUTER when set and non-empty, else the
/// default.
std::string choose_router_url(const std::string& flag, const char* env_value);

}  // namespace ropekv::ctl
