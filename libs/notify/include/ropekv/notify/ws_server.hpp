#pragma once
// ws_server: the notifier's WebSocket endpoint on Boost.Beast.
//
// What it owns: one io_context run by `io_threads` threads, the listening
// socket, and every connection. Beast and Asio stay inside the .cpp files.
//
// HTTP: `GET /v1/ws` with an Upgrade header becomes a WebSocket (or, beyond
// max_connections, gets 503 JSON `too_many_connections` and is closed).
// `GET /healthz` answers 200 "ok". `/v1/ws` without an Upgrade answers 426
// `upgrade_required`. Anything else goes to callbacks.on_http when it is set
// and returns a reply, else 404 JSON `not_found`. JSON error bodies are
// {"error":{"code":...,"message":...}}. The request header must arrive
// within http_timeout.
//
// WebSocket, per connection:
//   - One async read and one async write are outstanding at most; all of a
//     connection's socket work runs on its own strand, and outgoing frames
//     wait in an outbound_queue whose bytes are capped by queue_limit_bytes.
//   - Text frames from the client go to on_text, one complete message at a
//     time, in order (binary messages are delivered the same way). A message
//     over max_frame_bytes is not delivered: the server sends the error frame
//     `frame_too_large`, then closes with 1008 (policy error).
//   - Idle: Beast pings after idle_timeout/2 without incoming data and closes
//     after idle_timeout; the handshake and the close handshake are limited
//     by handshake_timeout.
//
// Callbacks run on the I/O threads (concurrently for different connections,
// in order for one connection) and must not block; they may call send(),
// send_final() and close() on any connection, never stop(). For every
// on_open there is exactly one on_close, after the connection's last
// on_text; on_close may instead run on the thread calling stop() for
// connections still open when the I/O threads are gone. on_http may run
// concurrently and must be thread-safe.
//
// Threads: start() and stop() from one controlling thread; everything else
// from any thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/net/tls_credentials.hpp"
#include "ropekv/notify/connection_id.hpp"

namespace ropekv::notify {

struct ws_options {
  unsigned io_threads = 2;
  /// Open WebSocket connections (plain HTTP requests do not count).
  size_t max_connections = 10'000;
  /// Largest client message; bigger: error frame + close 1008.
  size_t max_frame_bytes = 64 << 10;
  /// Outbound bytes queued per connection before send() refuses.
  size_t queue_limit_bytes = 1 << 20;
  size_t max_http_header_bytes = 8 << 10;
  /// Upgrade or plain request header, and a plain response's write.
  std::chrono::milliseconds http_timeout{10'000};
  /// WebSocket handshake and close handshake.
  std::chrono::milliseconds handshake_timeout{30'000};
  /// Ping after half of it without incoming data, close after all of it.
  std::chrono::milliseconds idle_timeout{50'000};
  /// stop(): how long connections get for the close handshake.
  std::chrono::milliseconds stop_timeout{2'000};
  std::string server_name = "ropekv-notifier";
  /// Set: every connection is TLS (wss://), handshake within http_timeout;
  /// plain HTTP to the port is closed and logged at debug. reload() the
  /// credentials on SIGHUP (docs/security.md "TLS on public ports").
  std::shared_ptr<net::tls_credentials> tls;
};

/// A WebSocket close code and reason. A reason over 123 bytes is cut there,
/// without splitting a UTF-8 character. Codes 4000-4999 are free for the
/// application.
struct ws_close {
  static constexpr uint16_t normal = 1000;
  static constexpr uint16_t going_away = 1001;
  static constexpr uint16_t policy_error = 1008;
  static constexpr uint16_t internal_error = 1011;
  static constexpr uint16_t try_again_later = 1013;

  uint16_t code = normal;
  std::string reason;
};

struct http_reply {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
};

/// What on_upgrade sees of a WebSocket upgrade request.
struct upgrade_request {
  std::string_view target;         // e.g. "/v1/ws?token=..."
  std::string_view authorization;  // the Authorization header ("" when absent)
  std::string_view remote;         // "address:port"
};

struct ws_callbacks {
  /// A WebSocket is open. `remote` is "address:port".
  std::function<void(connection_id, std::string remote)> on_open;
  /// One complete message from the client.
  std::function<void(connection_id, std::string frame)> on_text;
  /// The connection is gone; send() to it returns false from now on.
  std::function<void(connection_id)> on_close;
  /// A plain HTTP request other than /healthz and /v1/ws (e.g. /metrics);
  /// nullopt: 404.
  std::function<std::optional<http_reply>(std::string_view method, std::string_view target)> on_http;
  /// Checks an upgrade of /v1/ws before it is accepted (the notifier: its
  /// bearer token). nullopt: go ahead; a reply (e.g. 401) is sent instead
  /// and the connection closed. Unset: every upgrade goes ahead. May run
  /// concurrently; must be thread-safe and not block.
  std::function<std::optional<http_reply>(const upgrade_request&)> on_upgrade;
};

class ws_server {
 public:
  ws_server(ws_options options, ws_callbacks callbacks);
  ~ws_server();  // stop()
  ws_server(const ws_server&) = delete;
  ws_server& operator=(const ws_server&) = delete;

  /// Binds host:port (port 0: the OS picks, see port()), listens and starts
  /// the I/O threads. errc::unavailable when the address cannot be bound,
  /// errc::invalid_argument for a bad host or options. Call once.
  status start(const std::string& host, uint16_t port);

  /// The bound port after start(); 0 before.
  uint16_t port() const noexcept;

  /// Stops accepting, closes every WebSocket with 1001 (going away) and
  /// waits up to stop_timeout for the close handshakes, then cuts what is
  /// left and joins the I/O threads. Idempotent.
  void stop();

  /// Queues a text frame. False, and nothing queued, when the connection is
  /// gone or closing, or when queued_bytes() + text.size() would exceed
  /// queue_limit_bytes; the caller decides (the notifier then uses
  /// send_final with `slow_consumer`).
  [[nodiscard]] bool send(connection_id conn, std::string text);

  /// Queues `text` regardless of the budget, writes everything queued, then
  /// closes with `how`. Later send()s return false. False when the
  /// connection is already gone or closing. A client that does not read is
  /// cut after idle_timeout (it answers no ping), so the flush is bounded.
  bool send_final(connection_id conn, std::string text, ws_close how);

  /// Drops frames not yet being written and closes with `how`. No-op when
  /// the connection is gone or already closing.
  void close(connection_id conn, ws_close how = {});

  /// Open WebSocket connections (including ones still in their handshake).
  size_t connections() const;

  /// Bytes queued for `conn` (including the frame being written); 0 when it
  /// is gone.
  size_t queued_bytes(connection_id conn) const;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::notify
