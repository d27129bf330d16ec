#pragma once
// Blocking WebSocket and HTTP clients for the ws_server tests. Each call
// runs its own io_context with a generous deadline, so a server bug fails a
// test instead of hanging it; no assertion depends on how fast anything is.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

namespace ropekv::notify::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using namespace std::chrono_literals;

inline constexpr std::chrono::milliseconds deadline = 10s;

/// Runs one asynchronous operation started by `start(handler)` to completion
/// or `limit`; on timeout cancels by closing `stream` and returns timed_out.
template <class Stream, class Start>
beast::error_code run_one(asio::io_context& ioc, Stream& stream, Start&& start,
                          std::chrono::milliseconds limit = deadline) {
  std::optional<beast::error_code> result;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run_for(limit);
  if (result) return *result;
  beast::get_lowest_layer(stream).close();
  ioc.restart();
  ioc.run();
  return asio::error::timed_out;
}

class ws_client {
 public:
  ws_client() : ws_(ioc_) {}

  /// Connects and upgrades; on failure response() holds what the server
  /// answered instead of 101 (if anything).
  beast::error_code connect(uint16_t port, std::string target = "/v1/ws") {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return ec;
    const std::string host = "127.0.0.1:" + std::to_string(port);
    return run_one(ioc_, ws_, [&](auto done) { ws_.async_handshake(response_, host, target, done); });
  }

  bool write(const std::string& text) {
    ws_.text(true);
    return !run_one(ioc_, ws_, [&](auto done) { ws_.async_write(asio::buffer(text), done); });
  }

  /// One message; nullopt on error (see last_error(), reason()).
  std::optional<std::string> read(std::chrono::milliseconds limit = deadline) {
    beast::flat_buffer buffer;
    last_error_ = run_one(ioc_, ws_, [&](auto done) { ws_.async_read(buffer, done); }, limit);
    if (last_error_) return std::nullopt;
    return beast::buffers_to_string(buffer.data());
  }

  bool close(websocket::close_code code = websocket::close_code::normal) {
    return !run_one(ioc_, ws_, [&](auto done) { ws_.async_close(code, done); });
  }

  /// Splits messages into frames of about `bytes`.
  void fragment(size_t bytes) {
    ws_.auto_fragment(true);
    ws_.write_buffer_bytes(bytes);
  }

  beast::error_code last_error() const { return last_error_; }
  const websocket::close_reason& reason() const { return ws_.reason(); }
  const websocket::response_type& response() const { return response_; }

 private:
  asio::io_context ioc_;
  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
  beast::error_code last_error_;
};

using http_response = bhttp::response<bhttp::string_body>;

/// Sends raw request bytes on a new connection and reads one response.
inline std::optional<http_response> http_exchange(uint16_t port, const std::string& raw) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return std::nullopt;
  if (run_one(ioc, stream, [&](auto done) { asio::async_write(stream, asio::buffer(raw), done); }))
    return std::nullopt;
  beast::flat_buffer buffer;
  http_response res;
  if (run_one(ioc, stream, [&](auto done) { bhttp::async_read(stream, buffer, res, done); }))
    return std::nullopt;
  return res;
}

inline std::optional<http_response> http_get(uint16_t port, std::string_view target) {
  return http_exchange(port, "GET " + std::string(target) +
                                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

}  // namespace ropekv::notify::test
