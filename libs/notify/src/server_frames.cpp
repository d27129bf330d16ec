#include "ropekv/notify/server_frames.hpp"

namespace ropekv::notify {

frame_writer::frame_writer(std::string_view op) : writer_(buffer_) {
  writer_.StartObject();
  string("op", op);
}

void frame_writer::key(std::string_view k) {
  writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}

frame_writer& frame_writer::string(std::string_view k, std::string_view value) {
  key(k);
  writer_.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  return *this;
}

frame_writer& frame_writer::uint(std::string_view k, uint64_t value) {
  key(k);
  writer_.Uint64(value);
  return *this;
}

frame_writer& frame_writer::integer(std::string_view k, int64_t value) {
  key(k);
  writer_.Int64(value);
  return *this;
}

frame_writer& frame_writer::boolean(std::string_view k, bool value) {
  key(k);
  writer_.Bool(value);
  return *this;
}

frame_writer& frame_writer::raw(std::string_view k, std::string_view json) {
  key(k);
  // The type only matters for RapidJSON's bookkeeping, not for the output.
  writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  return *this;
}

frame_writer& frame_writer::string_array(std::string_view k, std::span<const std::string> values) {
  key(k);
  writer_.StartArray();
  for (const auto& v : values) writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  writer_.EndArray();
  return *this;
}

std::string frame_writer::take() {
  writer_.EndObject();
  return {buffer_.GetString(), buffer_.GetSize()};
}

std::string write_subscribed(std::string_view id_json, std::string_view token) {
  return frame_writer("subscribed").raw("id", id_json).string("token", token).take();
}

std::string write_unsubscribed(std::string_view id_json) {
  return frame_writer("unsubscribed").raw("id", id_json).take();
}

std::string write_joined(std::string_view channel) {
  return frame_writer("joined").string("channel", channel).take();
}

std::string write_left(std::string_view channel) {
  return frame_writer("left").string("channel", channel).take();
}

std::string write_message(std::string_view channel, std::string_view from,
                          std::string_view data_json) {
  return frame_writer("message")
      .string("channel", channel)
      .string("from", from)
      .raw("data", data_json)
      .take();
}

std::string write_members(std::string_view channel, std::span<const std::string> members) {
  return frame_writer("members").string("channel", channel).string_array("members", members).take();
}

std::string write_pong() { return frame_writer("pong").take(); }

std::string write_error(frame_errc code, std::string_view message,
                        std::optional<std::string_view> id_json,
                        std::optional<std::string_view> token) {
  frame_writer w("error");
  w.string("code", to_string(code)).string("message", message);
  if (id_json) w.raw("id", *id_json);
  if (token) w.string("token", *token);
  return w.take();
}

std::string write_error(const frame_error& err) {
  std::optional<std::string_view> id;
  if (err.id) id = *err.id;
  return write_error(err.code, err.message, id);
}

}  // namespace ropekv::notify
