#pragma once
// ws_client: a WebSocket client (Boost.Beast) for the notifier tests. One
// connection to ws://127.0.0.1:<port>/v1/ws. Reads wait at most a given
// time (a read that times out stays pending and the next read() goes on
// waiting for it), so a notifier that stops sending fails a test, never
// hangs it. One thread per client.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <rapidjson/document.h>

namespace ropekv::integration {

class ws_client {
 public:
  /// Connects and upgrades; throws std::runtime_error when it cannot.
  explicit ws_client(uint16_t port, const std::string& target = "/v1/ws");
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Sends one text frame; false when the connection is gone.
  bool send(const std::string& text);
  /// The next text frame, or nullopt after `wait` (or when closed).
  std::optional<std::string> read(std::chrono::milliseconds wait = std::chrono::seconds(10));
  /// The next frame parsed as JSON (a null document on timeout or close).
  rapidjson::Document read_json(std::chrono::milliseconds wait = std::chrono::seconds(10));
  /// Whether the server closed the connection (or it broke).
  bool closed() const noexcept;
  /// Stop reading: the server's queue for us fills up (slow consumer tests).
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::integration
