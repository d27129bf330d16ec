#include "router_url.hpp"

#include <algorithm>
#include <cctype>

namespace ropekv::ctl {
namespace {

error bad(std::string_view url, std::string why) {
  return make_error(errc::invalid_argument, "bad router URL '" + std::string(url) + "': " + why);
}

}  // namespace

std::string router_endpoint::host_header() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + port;
}

result<router_endpoint> parse_router_url(std::string_view url) {
  std::string_view rest = url;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) {
    std::string s(rest.substr(0, scheme));
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s != "http") return bad(url, "only http:// is supported");
    rest.remove_prefix(scheme + 3);
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  router_endpoint out;
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    if (path.find_first_of("?#") != std::string_view::npos) return bad(url, "no query or fragment allowed");
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    out.base_path = path;
  }
  if (authority.find('@') != std::string_view::npos) return bad(url, "user info is not supported");
  std::string_view port;
  if (authority.starts_with("[")) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad(url, "unclosed '['");
    out.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad(url, "expected ':' after ']'");
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad(url, "no host");
  if (port.empty()) port = "80";
  bool digits = std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || port.size() > 5 || std::stoul(std::string(port)) > 65535) return bad(url, "bad port");
  out.port = port;
  return out;
}

std::string choose_router_url(const std::string& flag, const char* env_value) {
  if (!flag.empty()) return flag;
  if (env_value && *env_value) return env_value;
  return std::string(default_router_url);
}

}  // namespace ropekv::ctl
