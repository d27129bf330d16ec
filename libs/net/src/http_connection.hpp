#pragma once
// Private to http_server: one accepted TCP connection (plain, or TLS over
// it) and the state the server shares with its connections. Includes
// Beast; never install it.
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
// States: [handshake (TLS only)] -> reading (wait for the first byte of a
// request: idle_timeout; the rest of the header: header_timeout;
// 100-continue; body: body_timeout) -> awaiting_handler -> writing ->
// reading ... ; any error or a non-keep-alive response -> closing
// (lingering: send shut down (TLS: close_notify), input drained until EOF
// or a short deadline, so the client is not hit by a reset before it reads
// our answer) -> finished (socket closed, unregistered).
//
// The stream type is a template parameter (beast::tcp_stream or
// beast::ssl_stream<beast::tcp_stream>); both are instantiated in
// http_connection.cpp, and the server holds them through connection_base.
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "ropekv/net/http_error.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/responder.hpp"

namespace ropekv::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

class connection_base;

/// Open while the io_context can accept posts; closed (under the exclusive
/// lock) by stop() before the I/O threads go away.
struct server_gate {
  std::shared_mutex mutex;
  bool open = true;
};

/// Counters behind http_server::stats(); relaxed atomics, bumped on the
/// I/O threads.
struct server_counters {
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused_max_connections{0};
  std::atomic<uint64_t> idle_timeouts{0};
  std::atomic<uint64_t> header_timeouts{0};
  std::atomic<uint64_t> body_timeouts{0};
  std::atomic<uint64_t> tls_handshake_failures{0};
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
  server_counters counters;

  std::mutex registry_mutex;
  std::condition_variable registry_changed;
  std::unordered_map<const connection_base*, std::shared_ptr<connection_base>> registry;

  void unregister(const connection_base* conn);
};

class connection_base : public std::enable_shared_from_this<connection_base> {
 public:
  virtual ~connection_base() = default;
  /// Begins reading requests (TLS: after the handshake).
  virtual void start() = 0;
  /// Refuses the connection beyond max_connections: plain HTTP answers `err`
  /// and closes; TLS just closes (a handshake would cost more than it says).
  virtual void reject(http_error err) = 0;
  /// From any thread: close now if idle or mid-read, else after the response
  /// in progress.
  virtual void begin_shutdown() = 0;
  /// From any thread: queue a handler's response for request `seq`.
  virtual void deliver(uint64_t seq, http_response response) = 0;
  /// Only while no I/O thread runs: close the socket.
  virtual void close_now() = 0;
  /// "address:port" of the client.
  virtual const std::string& remote() const = 0;
};

template <class Stream>
class connection final : public connection_base {
 public:
  /// Plain: `tls` is null. TLS: the context this connection handshakes with.
  connection(server_core& core, asio::ip::tcp::socket socket, std::shared_ptr<asio::ssl::context> tls);

  void start() override;
  void reject(http_error err) override;
  void begin_shutdown() override;
  void deliver(uint64_t seq, http_response response) override;
  void close_now() override;
  const std::string& remote() const override { return remote_; }

 private:
  enum class state : uint8_t { handshake, reading, awaiting_handler, writing, closing, finished };
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  std::shared_ptr<connection> self() {
    return std::static_pointer_cast<connection>(shared_from_this());
  }
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code ec, size_t used);
  void read_header();
  void on_first_bytes(beast::error_code ec, size_t bytes);
  void read_header_block();
  void on_header(beast::error_code ec, size_t bytes);
  void read_body();
  void on_body(beast::error_code ec, size_t bytes);
  void dispatch_request();
  void on_response(uint64_t seq, http_response response);
  void on_write(bool keep_alive, beast::error_code ec, size_t bytes);
  /// Maps a read error: protocol errors are answered, others just close.
  void on_read_error(beast::error_code ec, std::atomic<uint64_t>* timeout_counter, const char* phase);
  void fail(const http_error& err);
  void linger();
  void on_linger(beast::error_code ec, size_t bytes);
  void finish();

  server_core& core_;
  std::shared_ptr<asio::ssl::context> tls_;  // outlives stream_'s SSL object
  Stream stream_;
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

using plain_connection = connection<beast::tcp_stream>;
using tls_connection = connection<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace ropekv::net::detail
