#pragma once
// Plain HTTP request/response values exchanged between http_server and its
// handler. Deliberately Beast-free so that the router's code (and its tests)
// never pull in Boost.Beast: the server converts at the socket edge.
//
// Header names are compared case-insensitively (RFC 9110 §5.1); values are
// kept as received.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ropekv::net {

enum class http_method : uint8_t { get, head, post, put, delete_, patch, options, other };

/// Parses a request method token (case-sensitive, as RFC 9110 requires).
http_method parse_http_method(std::string_view token) noexcept;
std::string_view to_string(http_method method) noexcept;

using http_headers = std::vector<std::pair<std::string, std::string>>;

/// First value of header `name` (case-insensitive), if present.
std::optional<std::string_view> find_header(const http_headers& headers,
                                            std::string_view name) noexcept;

struct http_request {
  http_method method = http_method::other;
  std::string method_name;  // the token as sent, e.g. "PUT" or "PROPFIND"
  std::string target;       // raw request-target, e.g. "/v1/tables/t?limit=5"
  unsigned version = 11;    // 10 or 11
  http_headers headers;
  std::string body;
  bool keep_alive = true;     // what the client asked for
  std::string remote_address;  // "ip:port" of the peer, for logs

  std::optional<std::string_view> header(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

struct http_response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  http_headers headers;  // extra headers, e.g. {"Allow", "GET, PUT"}
  bool close = false;    // ask the server to close the connection afterwards
};

/// A response with a JSON body (the body must already be JSON text).
http_response json_response(unsigned status, std::string json_body);

}  // namespace ropekv::net
