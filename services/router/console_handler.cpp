#include "console_handler.hpp"

#include <memory>

#include "ropekv/net/http_error.hpp"

namespace ropekv::router {
namespace {

constexpr std::string_view cache_control = "no-cache";  // always revalidate: a new build serves new files

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view opaque_tag(std::string_view tag) noexcept {
  tag = trim(tag);
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

}  // namespace

std::string_view console_content_type(std::string_view name) noexcept {
  if (ends_with(name, ".html")) return "text/html; charset=utf-8";
  if (ends_with(name, ".js")) return "text/javascript; charset=utf-8";
  if (ends_with(name, ".css")) return "text/css; charset=utf-8";
  if (ends_with(name, ".svg")) return "image/svg+xml";
  if (ends_with(name, ".json")) return "application/json";
  if (ends_with(name, ".png")) return "image/png";
  if (ends_with(name, ".ico")) return "image/x-icon";
  return "application/octet-stream";
}

std::string body_etag(std::string_view body) {
  uint64_t h = 14695981039346656037ull;
  for (char c : body) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string tag(18, '"');
  for (int i = 0; i < 16; ++i) tag[1 + i] = digits[(h >> (60 - 4 * i)) & 15];
  return tag;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept {
  if (trim(if_none_match) == "*") return true;
  auto want = opaque_tag(etag);
  while (!if_none_match.empty()) {
    auto comma = if_none_match.find(',');
    auto candidate = if_none_match.substr(0, comma);
    if (!want.empty() && opaque_tag(candidate) == want) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

void revalidate(net::http_response& response, std::optional<std::string_view> if_none_match) {
  if (response.status != 200) return;
  auto tag = body_etag(response.body);
  if (if_none_match && etag_matches(*if_none_match, tag)) {
    response.status = 304;
    response.body.clear();
  }
  response.headers.emplace_back("ETag", std::move(tag));
  response.headers.emplace_back("Cache-Control", std::string(cache_control));
}

net::http_response console_response(std::string_view name,
                                    std::optional<std::string_view> if_none_match) {
  if (name.empty()) name = "index.html";
  for (const auto& file : embedded_console_files()) {
    if (file.name != name) continue;
    net::http_response response;
    response.content_type = std::string(console_content_type(name));
    response.body = std::string(file.bytes);
    // The console's JS is same-origin only; nosniff keeps browsers to the declared types.
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    revalidate(response, if_none_match);
    return response;
  }
  std::string printable;
  for (char c : name.substr(0, 200))
    printable.push_back(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f ? c : '?');
  return net::error_response(net::http_error::from(errc::not_found, "no such console file: " + printable));
}

bool revalidated_route(net::api_kind kind) noexcept {
  switch (kind) {
    case net::api_kind::cluster:
    case net::api_kind::list_tables:
    case net::api_kind::list_indexes:
    case net::api_kind::list_hooks: return true;
    default: return false;
  }
}

net::responder revalidating(net::responder respond, std::optional<std::string> if_none_match) {
  // responder is move-only and std::function wants a copyable callable: share it.
  auto inner = std::make_shared<net::responder>(std::move(respond));
  return net::responder::to_function(
      [inner, tag = std::move(if_none_match)](net::http_response response) {
        revalidate(response, tag ? std::optional<std::string_view>(*tag) : std::nullopt);
        (*inner)(std::move(response));
      });
}

}  // namespace ropekv::router
