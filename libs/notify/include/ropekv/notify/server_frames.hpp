#pragma once
// server_frames: the JSON text of every frame the server sends, except event
// frames, which the service renders with frame_writer.
//
//   {"op":"subscribed","id":ID,"token":"..."}
//   {"op":"unsubscribed","id":ID}
//   {"op":"joined","channel":"c"}      {"op":"left","channel":"c"}
//   {"op":"message","channel":"c","from":"...","data":DATA}
//   {"op":"members","channel":"c","members":["...",...]}
//   {"op":"pong"}
//   {"op":"error","code":"...","message":"...","id":ID?,"token":"..."?}
//
// ID and DATA are raw JSON text as frame_protocol kept it and are spliced
// unchanged; every other string is escaped by RapidJSON. Strings are written
// byte for byte: the caller passes UTF-8 (client input was validated by the
// parser; binary keys must be encoded by the service first).
//
// Pure; safe from any thread. A frame_writer is used by one thread at a time.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "ropekv/notify/frame_protocol.hpp"

namespace ropekv::notify {

/// Builds one server frame: an object whose first member is "op". Members
/// are written in call order; take() closes the object and returns its text.
class frame_writer {
 public:
  explicit frame_writer(std::string_view op);
  frame_writer(const frame_writer&) = delete;
  frame_writer& operator=(const frame_writer&) = delete;

  frame_writer& string(std::string_view key, std::string_view value);
  frame_writer& uint(std::string_view key, uint64_t value);
  frame_writer& integer(std::string_view key, int64_t value);
  frame_writer& boolean(std::string_view key, bool value);
  /// Splices `json`, which the caller guarantees is one valid JSON value.
  frame_writer& raw(std::string_view key, std::string_view json);
  frame_writer& string_array(std::string_view key, std::span<const std::string> values);

  /// Closes the frame and returns it; call once.
  std::string take();

 private:
  void key(std::string_view k);

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

std::string write_subscribed(std::string_view id_json, std::string_view token);
std::string write_unsubscribed(std::string_view id_json);
std::string write_joined(std::string_view channel);
std::string write_left(std::string_view channel);
std::string write_message(std::string_view channel, std::string_view from,
                          std::string_view data_json);
std::string write_members(std::string_view channel, std::span<const std::string> members);
std::string write_pong();
std::string write_error(frame_errc code, std::string_view message,
                        std::optional<std::string_view> id_json = std::nullopt,
                        std::optional<std::string_view> token = std::nullopt);
/// The error frame answering a frame the parser rejected.
std::string write_error(const frame_error& err);

}  // namespace ropekv::notify
