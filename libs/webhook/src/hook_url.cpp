#include "ropekv/webhook/hook_url.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace ropekv::webhook {
namespace {

hook_error bad(std::string message) { return hook_error{hook_code::bad_url, std::move(message)}; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool host_label_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

// DNS name or IPv4 literal (an IPv4 literal is a valid DNS-shaped name).
bool valid_dns_host(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    std::string_view label = host.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), host_label_char)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool valid_ipv6(std::string_view host) {
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return false;
  std::string text(host);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

}  // namespace

std::string hook_url::host_header() const {
  std::string out = ipv6_literal() ? "[" + host + "]" : host;
  uint16_t default_port = https() ? 443 : 80;
  if (port != default_port) out += ":" + std::to_string(port);
  return out;
}

std::string hook_url::to_string() const { return scheme + "://" + host_header() + target; }

checked<hook_url> parse_hook_url(std::string_view url) {
  if (url.empty()) return bad("url is empty");
  if (url.size() > max_url_bytes)
    return bad("url is longer than " + std::to_string(max_url_bytes) + " bytes");
  for (char c : url) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return bad("url contains a space, control or non-ASCII byte");
  }
  hook_url out;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("url must start with http:// or https://");
  out.scheme = lower(url.substr(0, sep));
  if (out.scheme != "http" && out.scheme != "https") return bad("url scheme must be http or https");
  std::string_view rest = url.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return bad("url must not have a fragment");

  size_t auth_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, auth_end);
  std::string_view target = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return bad("url must not contain user info");

  std::string_view host;
  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("url has an unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    if (!valid_ipv6(host)) return bad("url host is not a valid IPv6 address");
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("url has text after the IPv6 literal");
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("url has no host");
    if (!valid_dns_host(host)) return bad("url host is not a valid host name");
  }
  out.host = lower(host);

  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return bad("url port must be a number 1..65535");
    unsigned long p = std::stoul(std::string(port_text));
    if (p == 0 || p > 65535) return bad("url port must be a number 1..65535");
    out.port = static_cast<uint16_t>(p);
  } else {
    out.port = out.https() ? 443 : 80;
  }

  if (target.empty()) {
    out.target = "/";
  } else if (target.front() == '?') {
    out.target = "/" + std::string(target);
  } else {
    out.target = std::string(target);
  }
  return out;
}

}  // namespace ropekv::webhook
