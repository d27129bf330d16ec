#pragma once
// ws_frames: a minimal reader of server-to-client WebSocket frames (RFC 6455
// §5.2), so that a subscriber reads its socket in large chunks -- one recv
// can carry a hundred events -- instead of Beast's one-small-read-per-message
// path. Beast still does the HTTP upgrade and the subscribe frame; after
// that the server only sends and the client only answers pings.
//
// Pure code: bytes go in, complete messages and control frames come out.
// Server frames are never masked (a masked one is a protocol error);
// fragmented messages are reassembled.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ropekv::bench {

class ws_frame_parser {
 public:
  enum class opcode : uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

  struct frame {
    opcode op;
    std::string_view payload;  // a whole message for text/binary; valid until the next call
  };

  /// Takes the next complete frame (or reassembled message) off the front of
  /// `data` and shortens `data` past it. False when `data` holds no complete
  /// frame yet (nothing consumed) or on a protocol error (see error()).
  bool next(std::string_view& data, frame& out);

  bool failed() const noexcept { return !error_.empty(); }
  const std::string& error() const noexcept { return error_; }

  /// Bytes a frame whose header starts `data` needs in all; 0 when even the
  /// header is incomplete. Lets the caller grow its buffer for a big frame.
  static size_t frame_size(std::string_view data);

 private:
  std::string partial_;        // a fragmented message so far
  opcode partial_op_ = opcode::text;
  bool in_message_ = false;
  std::string error_;
};

/// A masked client frame (FIN set) carrying `payload` (a pong, a text).
std::string client_frame(ws_frame_parser::opcode op, std::string_view payload, uint32_t mask_key);

}  // namespace ropekv::bench
