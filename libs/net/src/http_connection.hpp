#pragma once
// Private to http_server: one accepted TCP connection and the state the
// server shares with its connections. Includes Beast; never install it.
//
// Lifetime: the server's registry holds a strong reference to every live
// connection; pending asynchronous operations hold others. Responders hold
// only a weak one (through connection_sink), guarded by the server gate, so
// nothing outside the server can keep a socket alive past the io_context.
//
// Threads: every member function except deliver()/begin_shutdown() (which
// post) and close_now() (only with no I/O thread running) runs on the
// connection's strand.
//
// States: reading (header, 100-continue, body) -> awaiting_handler ->
// writing -> reading ... ; any error or a non-keep-alive response ->
// closing (lingering: send shut down, input drained until EOF or a short
// deadline, so the client is not hit by a reset before it reads our answer)
// -> finished (socket closed, unregistered).
#include <atomic>
#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "ropekv/net/http_error.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/responder.hpp"

namespace ropekv::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

class connection;

/// Open while the io_context can accept posts; closed (under the exclusive
/// lock) by stop() before the I/O threads go away.
struct server_gate {
  std::shared_mutex mutex;
  bool open = true;
};

/// What connections share with the server. Owned by http_server::impl and
/// outlives every connection's use of it.
struct server_core {
  server_core(http_server_options o, http_handler h)
      : options(std::move(o)), handler(std::move(h)), gate(std::make_shared<server_gate>()) {}

  const http_server_options options;
  const http_handler handler;
  const std::shared_ptr<server_gate> gate;
  std::atomic<bool> stopping{false};

  std::mutex registry_mutex;
  std::condition_variable registry_changed;
  std::unordered_map<const connection*, std::shared_ptr<connection>> registry;

  void unregister(const connection* conn);
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(server_core& core, asio::ip::tcp::socket socket);

  /// Begins reading requests.
  void start();
  /// Answers `err` and closes, without reading (used beyond max_connections).
  void reject(http_error err);
  /// From any thread: close now if idle or mid-read, else after the response
  /// in progress.
  void begin_shutdown();
  /// From any thread: queue a handler's response for request `seq`.
  void deliver(uint64_t seq, http_response response);
  /// Only while no I/O thread runs: close the socket.
  void close_now();

 private:
  enum class state : uint8_t { reading, awaiting_handler, writing, closing, finished };

  void read_header();
  void on_header(beast::error_code ec, size_t bytes);
  void read_body();
  void on_body(beast::error_code ec, size_t bytes);
  void dispatch_request();
  void on_response(uint64_t seq, http_response response);
  void on_write(bool keep_alive, beast::error_code ec, size_t bytes);
  /// Maps a read error: protocol errors are answered, others just close.
  void on_read_error(beast::error_code ec);
  void fail(const http_error& err);
  void linger();
  void on_linger(beast::error_code ec, size_t bytes);
  void finish();

  server_core& core_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<response_sink> sink_;
  std::string remote_;
  std::array<char, 4096> drain_{};
  uint64_t seq_ = 0;
  unsigned version_ = 11;
  bool client_keep_alive_ = true;
  bool stopping_ = false;
  state state_ = state::reading;
};

}  // namespace ropekv::net::detail
