#pragma once
// A small HTTP/1.1 client for the server tests: raw bytes out (so tests can
// pipeline or send garbage), Beast-parsed responses in. Every wait has a
// generous deadline so a server bug fails a test instead of hanging it;
// no assertion depends on how fast anything is.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ropekv::net::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace std::chrono_literals;

using test_response = bhttp::response<bhttp::string_body>;

class test_http_client {
 public:
  /// Connects to 127.0.0.1:port; false on failure.
  bool connect(uint16_t port) {
    beast::error_code ec;
    stream_.socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
  }

  /// Writes raw bytes (whole buffer); false on error.
  bool send(std::string_view raw) {
    beast::error_code ec;
    asio::write(stream_.socket(), asio::buffer(raw.data(), raw.size()), ec);
    return !ec;
  }

  /// Reads one response (leftover bytes stay buffered for the next call);
  /// nullopt on error or after `limit`.
  std::optional<test_response> read_response(std::chrono::milliseconds limit = 10s) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code result = asio::error::would_block;
    stream_.expires_after(limit);
    bhttp::async_read(stream_, buffer_, parser, [&](beast::error_code ec, size_t) { result = ec; });
    run();
    last_error_ = result;
    if (result) return std::nullopt;
    return parser.release();
  }

  /// Waits until the server closes the connection (EOF or reset), discarding
  /// anything it sends; false if it is still open after `limit`.
  bool wait_closed(std::chrono::milliseconds limit = 10s) {
    stream_.expires_after(limit);
    for (;;) {
      beast::error_code result = asio::error::would_block;
      stream_.async_read_some(asio::buffer(scratch_), [&](beast::error_code ec, size_t) { result = ec; });
      run();
      if (result == beast::error::timeout) return false;
      if (result) return true;
    }
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::error_code last_error() const { return last_error_; }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  asio::io_context ioc_;
  beast::tcp_stream stream_{ioc_};
  beast::flat_buffer buffer_;
  char scratch_[4096];
  beast::error_code last_error_;
};

/// "GET /x HTTP/1.1" with Host and optional body (Content-Length set).
inline std::string raw_request(std::string_view method, std::string_view target,
                               std::string_view body = {}, std::string_view extra_headers = {}) {
  std::string out = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n";
  out += extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

}  // namespace ropekv::net::test
