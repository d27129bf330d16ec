#pragma once
// http_client: a blocking HTTP/1.1 client (Boost.Beast) for the cluster
// tests. Owns one keep-alive TCP connection to 127.0.0.1:<port>, reopened
// after a transport error or a `Connection: close`. Every request has a
// deadline (connect, and write + read together; enforced with asynchronous
// operations, since Beast's stream timeouts ignore blocking calls), so a
// router that stops answering fails a test, never hangs it: status 0.
// One thread per client (the load threads each own one).
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

// A missing member or a wrong type in an answer throws (gtest reports it
// as a test failure) instead of aborting the whole suite.
#include <stdexcept>
#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT_THROWS
#define RAPIDJSON_ASSERT(x) ((x) ? void() : throw std::logic_error("unexpected JSON shape: " #x))
#endif
#include <rapidjson/document.h>

namespace ropekv::integration {

struct http_reply {
  unsigned status = 0;  // 0: transport failure (refused, reset, deadline)
  std::string body;
  std::string content_type;
  std::string retry_after;  // the Retry-After header ("" when absent)

  /// The body parsed as JSON (a null document when it is not JSON).
  rapidjson::Document json() const;
  /// error.code of an error body, or "".
  std::string error_code() const;
};

class http_client {
 public:
  explicit http_client(uint16_t port, std::chrono::milliseconds deadline = std::chrono::seconds(20));
  /// The same against `host` (an IPv4/IPv6 literal), e.g. a node in a network namespace.
  http_client(const std::string& host, uint16_t port, std::chrono::milliseconds deadline = std::chrono::seconds(20));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  http_reply request(std::string_view method, const std::string& target, const std::string& body = {});
  http_reply get(const std::string& target) { return request("GET", target); }
  http_reply put(const std::string& target, const std::string& body) { return request("PUT", target, body); }
  http_reply post(const std::string& target, const std::string& body) { return request("POST", target, body); }
  http_reply del(const std::string& target) { return request("DELETE", target); }

  /// TCP connections opened so far (1 while keep-alive held).
  int connections() const noexcept;
  void set_deadline(std::chrono::milliseconds d) { deadline_ = d; }
  /// Sends `Authorization: Bearer <token>` from now on ("" : none).
  void set_token(std::string token) { token_ = std::move(token); }

 private:
  http_reply attempt(std::string_view method, const std::string& target, const std::string& body);
  struct impl;
  std::unique_ptr<impl> impl_;
  std::chrono::milliseconds deadline_;
  std::string token_;
};

/// Percent-encodes every byte outside [A-Za-z0-9_.~-] (a key in a path).
std::string url_escape(std::string_view bytes);

}  // namespace ropekv::integration
