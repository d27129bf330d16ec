#pragma once
// A blocking HTTP/1.1 client for the router tests, on Boost.Beast: one
// keep-alive connection, requests sent one after another. Every wait has a
// deadline, so a router that never answers fails the test instead of
// hanging it.
#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <rapidjson/document.h>

namespace ropekv::router::test {

struct http_reply {
  unsigned status = 0;
  std::string body;
  bool keep_alive = false;
  std::string content_type;
  std::string retry_after;        // Retry-After ("" when absent)
  std::string www_authenticate;   // WWW-Authenticate ("" when absent)

  /// The body as a JSON document (null document when not JSON).
  rapidjson::Document json() const {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    return d;
  }
  /// error.code of a JSON error body, or "".
  std::string error_code() const {
    auto d = json();
    if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject()) return "";
    return d["error"]["code"].GetString();
  }
};

class http_client {
 public:
  explicit http_client(uint16_t port) : port_(port) {}

  /// Sends one request on the kept-alive connection (connecting first when
  /// needed); status 0 on a transport failure.
  http_reply request(const std::string& method, const std::string& target, const std::string& body = {},
                     std::chrono::seconds limit = std::chrono::seconds(20)) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    beast::error_code ec;
    if (!connected_) {
      stream_.expires_after(limit);
      stream_.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (ec) return {};
      connected_ = true;
      ++connections_;
    }
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    if (req.method() == http::verb::unknown) req.method_string(method);
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(true);
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.empty() || method == "PUT" || method == "POST") {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    stream_.expires_after(limit);
    http::write(stream_, req, ec);
    if (ec) return fail();
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream_, buffer_, parser, ec);
    if (ec) return fail();
    auto res = parser.release();
    http_reply out{res.result_int(), res.body(), res.keep_alive(),
                   std::string(res[http::field::content_type]), std::string(res[http::field::retry_after]),
                   std::string(res[http::field::www_authenticate])};
    if (!out.keep_alive) close();
    return out;
  }

  http_reply get(const std::string& target) { return request("GET", target); }
  http_reply put(const std::string& target, const std::string& body) { return request("PUT", target, body); }
  http_reply post(const std::string& target, const std::string& body) { return request("POST", target, body); }
  http_reply del(const std::string& target) { return request("DELETE", target); }

  /// TCP connections opened so far (1 when keep-alive held throughout).
  int connections() const { return connections_; }
  /// Sends `Authorization: Bearer <token>` from now on ("": none).
  void set_token(std::string token) { token_ = std::move(token); }

  void close() {
    boost::beast::error_code ec;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    connected_ = false;
    buffer_.clear();
  }

 private:
  http_reply fail() {
    close();
    return {};
  }

  uint16_t port_;
  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_{ioc_};
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int connections_ = 0;
  std::string token_;
};

}  // namespace ropekv::router::test
