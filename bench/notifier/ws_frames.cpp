#include "ws_frames.hpp"

namespace ropekv::bench {

namespace {

/// Header length and payload length of the frame at the front of `d`;
/// false when the header is incomplete.
bool header(std::string_view d, size_t& head, uint64_t& len) {
  if (d.size() < 2) return false;
  const auto b1 = static_cast<uint8_t>(d[1]);
  len = b1 & 0x7f;
  head = 2;
  if (len == 126) {
    if (d.size() < 4) return false;
    len = (uint64_t{static_cast<uint8_t>(d[2])} << 8) | static_cast<uint8_t>(d[3]);
    head = 4;
  } else if (len == 127) {
    if (d.size() < 10) return false;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | static_cast<uint8_t>(d[2 + i]);
    head = 10;
  }
  if (b1 & 0x80) head += 4;  // masked (an error, reported by next())
  return true;
}

}  // namespace

size_t ws_frame_parser::frame_size(std::string_view data) {
  size_t head = 0;
  uint64_t len = 0;
  if (!header(data, head, len)) return 0;
  return head + static_cast<size_t>(len);
}

bool ws_frame_parser::next(std::string_view& data, frame& out) {
  for (;;) {
    size_t head = 0;
    uint64_t len = 0;
    if (failed() || !header(data, head, len) || data.size() < head + len) return false;
    const auto b0 = static_cast<uint8_t>(data[0]);
    const bool fin = (b0 & 0x80) != 0;
    const auto op = static_cast<opcode>(b0 & 0x0f);
    if (static_cast<uint8_t>(data[1]) & 0x80) {
      error_ = "masked frame from the server";
      return false;
    }
    std::string_view payload = data.substr(head, static_cast<size_t>(len));
    data.remove_prefix(head + static_cast<size_t>(len));
    switch (op) {
      case opcode::close:
      case opcode::ping:
      case opcode::pong:
        out = {op, payload};
        return true;
      case opcode::text:
      case opcode::binary:
        if (in_message_) {
          error_ = "new message inside a fragmented one";
          return false;
        }
        if (fin) {
          out = {op, payload};
          return true;
        }
        in_message_ = true;
        partial_op_ = op;
        partial_.assign(payload);
        continue;
      case opcode::continuation:
        if (!in_message_) {
          error_ = "continuation without a message";
          return false;
        }
        partial_.append(payload);
        if (!fin) continue;
        in_message_ = false;
        out = {partial_op_, partial_};
        return true;
      default:
        error_ = "unknown opcode " + std::to_string(static_cast<int>(op));
        return false;
    }
  }
}

std::string client_frame(ws_frame_parser::opcode op, std::string_view payload, uint32_t mask_key) {
  std::string f;
  f.reserve(payload.size() + 14);
  f += static_cast<char>(0x80 | static_cast<uint8_t>(op));
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else if (payload.size() <= 0xffff) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((uint64_t{payload.size()} >> (8 * i)) & 0xff);
  }
  char key[4] = {static_cast<char>(mask_key >> 24), static_cast<char>(mask_key >> 16),
                 static_cast<char>(mask_key >> 8), static_cast<char>(mask_key)};
  f.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

}  // namespace ropekv::bench
