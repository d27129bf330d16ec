#include "router_url.hpp"

#include <algorithm>
#include <cctype>

namespace ropekv::ctl {
namespace {

error url_error(std::string_view what, std::string_view url, std::string why) {
  return make_error(errc::invalid_argument,
                    "bad " + std::string(what) + " URL '" + std::string(url) + "': " + why);
}

// "scheme://host[:port][/path]" or without the scheme; `what` names the
// service in messages.
result<router_endpoint> parse_url(std::string_view url, std::string_view scheme, std::string_view what) {
  auto bad = [&](std::string why) { return url_error(what, url, std::move(why)); };
  std::string_view rest = url;
  if (auto found = rest.find("://"); found != std::string_view::npos) {
    std::string s(rest.substr(0, found));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s != scheme) return bad("only " + std::string(scheme) + ":// is supported");
    rest.remove_prefix(found + 3);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  router_endpoint out;
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    if (path.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment allowed");
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.base_path = path;
  }
  if (authority.find('@') != std::string_view::npos) return bad("user info is not supported");
  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    out.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("expected ':' after ']'");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  if (port.empty()) port = "80";
  bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || port.size() > 5 || std::stoul(std::string(port)) > 65535) return bad("bad port");
  out.port = port;
  return out;
}

}  // namespace

std::string router_endpoint::host_header() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

result<router_endpoint> parse_router_url(std::string_view url) { return parse_url(url, "http", "router"); }

result<router_endpoint> parse_notifier_url(std::string_view url) {
  auto out = parse_url(url, "ws", "notifier");
  if (out && out->base_path.empty()) out->base_path = "/v1/ws";
  return out;
}

std::string choose_url(const std::string& flag, const char* env_value, std::string_view fallback) {
  if (!flag.empty()) return flag;
  if (env_value && *env_value) return env_value;
  return std::string(fallback);
}

std::string choose_router_url(const std::string& flag, const char* env_value) {
  return choose_url(flag, env_value, default_router_url);
}

}  // namespace ropekv::ctl
