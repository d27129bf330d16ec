#pragma once
// frame_stream: a connected, subscribed-to-be stream of text frames -- the
// seam between watch_runner (what to send, print and when to stop) and
// ws_client (Beast). Tests drive the runner with a scripted fake.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

using watch_clock = std::chrono::steady_clock;

/// What receive() got: a text frame, or the user asked to stop (SIGINT,
/// SIGTERM) while it waited.
struct received_frame {
  bool interrupted = false;
  std::string text;
};

class frame_stream {
 public:
  virtual ~frame_stream() = default;

  /// Sends one text frame. errc::unavailable / errc::timeout when it cannot.
  virtual status send(std::string_view text) = 0;

  /// Waits for the next frame until `deadline` (none: for ever).
  /// errc::timeout when the deadline passes first; errc::unavailable when
  /// the connection is closed or broken (the message says which).
  virtual result<received_frame> receive(std::optional<watch_clock::time_point> deadline) = 0;

  /// Ends the connection politely (a close frame, briefly waited for);
  /// never fails, since the caller is leaving anyway.
  virtual void close() = 0;
};

}  // namespace ropekv::ctl
