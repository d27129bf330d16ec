#include "ropekv/net/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace ropekv::net {

http_method parse_http_method(std::string_view token) noexcept {
  if (token == "GET") return http_method::get;
  if (token == "HEAD") return http_method::head;
  if (token == "POST") return http_method::post;
  if (token == "PUT") return http_method::put;
  if (token == "DELETE") return http_method::delete_;
  if (token == "PATCH") return http_method::patch;
  if (token == "OPTIONS") return http_method::options;
  return http_method::other;
}

std::string_view to_string(http_method method) noexcept {
  switch (method) {
    case http_method::get: return "GET";
    case http_method::head: return "HEAD";
    case http_method::post: return "POST";
    case http_method::put: return "PUT";
    case http_method::delete_: return "DELETE";
    case http_method::patch: return "PATCH";
    case http_method::options: return "OPTIONS";
    case http_method::other: return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> find_header(const http_headers& headers,
                                            std::string_view name) noexcept {
  auto same = [name](const std::string& candidate) {
    return std::equal(candidate.begin(), candidate.end(), name.begin(), name.end(),
                      [](unsigned char a, unsigned char b) {
                        return std::tolower(a) == std::tolower(b);
                      });
  };
  for (const auto& [key, value] : headers)
    if (same(key)) return std::string_view(value);
  return std::nullopt;
}

http_response json_response(unsigned status, std::string json_body) {
  http_response response;
  response.status = status;
  response.body = std::move(json_body);
  return response;
}

}  // namespace ropekv::net
