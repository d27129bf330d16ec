#pragma once
// router_url: the --router value -> where to connect and what to prefix;
// also the --notifier value of `watch` (the same shape with ws://).
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
/// scripts/run puts the notifier's WebSocket on the router's HTTP port + 8.
inline constexpr std::string_view default_notifier_url = "ws://127.0.0.1:8088/v1/ws";

struct router_endpoint {
  std::string host;       // without brackets
  std::string port;       // "80" when absent
  std::string base_path;  // "" or "/prefix" (no trailing '/')
  std::string token;      // sent as Authorization: Bearer <token> when set

  /// The Host header value ("host:port", IPv6 in brackets).
  std::string host_header() const;
  /// "host:port" for messages.
  std::string display() const { return host_header(); }
};

/// errc::invalid_argument for an unusable URL.
result<router_endpoint> parse_router_url(std::string_view url);

/// "ws://host[:port][/path]" or "host[:port][/path]"; base_path is the
/// WebSocket target, "/v1/ws" when the URL has no path. wss:// is refused.
result<router_endpoint> parse_notifier_url(std::string_view url);

/// `flag` when non-empty, else `env_value` when set and non-empty, else
/// `fallback`.
std::string choose_url(const std::string& flag, const char* env_value, std::string_view fallback);

/// --router when given, else $ROPEKV_ROUTER when set and non-empty, else the
/// default.
std::string choose_router_url(const std::string& flag, const char* env_value);

}  // namespace ropekv::ctl
