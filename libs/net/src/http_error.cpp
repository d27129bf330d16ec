#include "ropekv/net/http_error.hpp"

#include "ropekv/net/json_writer.hpp"

namespace ropekv::net {

unsigned http_status(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return 400;
    case errc::not_found: return 404;
    case errc::already_exists:
    case errc::locked:
    case errc::conflict: return 409;
    case errc::condition_failed: return 412;
    case errc::too_large: return 413;
    case errc::version_gone: return 410;
    case errc::insufficient_storage: return 507;
    case errc::unauthenticated: return 401;
    case errc::permission_denied: return 403;
    case errc::rate_limited: return 429;
    case errc::wrong_segment:  // the router retries these; leaked ones are retryable
    case errc::not_leader:
    case errc::unavailable:
    case errc::timeout: return 503;
    case errc::corrupt:
    case errc::io_error:
    case errc::internal: return 500;
  }
  return 500;
}

http_error http_error::from(errc code, std::string message) {
  return http_error{http_status(code), std::string(to_string(code)), std::move(message), {}};
}

http_error http_error::invalid_json(std::string message) {
  return http_error{400, std::string(invalid_json_code), std::move(message), {}};
}

http_error http_error::method_not_allowed(std::string allow) {
  std::string message = "method not allowed; allowed: " + allow;
  return http_error{405, std::string(method_not_allowed_code), std::move(message),
                    std::move(allow)};
}

std::string error_body(const http_error& err) {
  json_writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", err.code).field("message", err.message);
  w.end_object().end_object();
  return w.take();
}

http_response error_response(const http_error& err) {
  http_response response = json_response(err.status, error_body(err));
  if (!err.allow.empty()) response.headers.emplace_back("Allow", err.allow);
  return response;
}

}  // namespace ropekv::net
