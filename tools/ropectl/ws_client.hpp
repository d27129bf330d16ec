#pragma once
// ws_client: a blocking WebSocket client for the notifier (Beast), the real
// frame_stream of `ropectl watch`.
//
// Owns one connection and a private io_context; operations run
// asynchronously on it until they complete or their deadline passes,
// because Beast's synchronous calls have no timeouts. With
// `catch_signals`, SIGINT and SIGTERM are taken on that io_context while
// the client lives, so ctrl-c ends a wait in receive() (reported as
// `interrupted`) and the caller can close the connection and print the
// resume token instead of dying mid-line.
//
// Liveness: after the handshake Beast pings a silent connection and drops
// it when nothing comes back within `keepalive` (receive() then reports
// errc::unavailable), so a notifier that vanished without a FIN is noticed.
// A receive() that times out leaves its read pending; the next receive()
// continues it, so no frame is lost between calls.
// Not thread-safe.
#include <chrono>
#include <memory>
#include <optional>

#include "frame_stream.hpp"
#include "http_client.hpp"
#include "router_url.hpp"

namespace ropekv::ctl {

class ws_client final : public frame_stream {
 public:
  ws_client(router_endpoint endpoint, std::chrono::milliseconds connect_timeout, bool catch_signals,
            std::chrono::seconds keepalive = std::chrono::seconds(60));
  ~ws_client() override;
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Resolves, connects and upgrades to WebSocket within the connect
  /// timeout. errc::unavailable / errc::timeout when there is no usable
  /// answer; the notifier's HTTP answer (status and body) when it answered
  /// but refused the upgrade (e.g. 503 at --max-connections, 404).
  result<std::optional<http_reply>> connect();

  /// True once SIGINT or SIGTERM arrived (with catch_signals).
  bool interrupted() const;

  status send(std::string_view text) override;
  result<received_frame> receive(std::optional<watch_clock::time_point> deadline) override;
  void close() override;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::ctl
