#include "event_scan.hpp"

#include <charconv>
#include <string>

namespace ropekv::bench {

namespace {

/// Position just after `"name":` in `frame`, or npos. Field names in the
/// notifier's frames are never repeated inside string values here: the
/// bench's items hold only numbers and a padding string of 'x'.
size_t after_key(std::string_view frame, std::string_view name) {
  std::string needle;
  needle.reserve(name.size() + 3);
  needle += '"';
  needle += name;
  needle += "\":";
  size_t at = frame.find(needle);
  return at == std::string_view::npos ? at : at + needle.size();
}

}  // namespace

std::string_view string_field(std::string_view frame, std::string_view name) {
  size_t at = after_key(frame, name);
  if (at == std::string_view::npos || at >= frame.size() || frame[at] != '"') return {};
  size_t end = frame.find('"', at + 1);
  if (end == std::string_view::npos) return {};
  return frame.substr(at + 1, end - at - 1);
}

std::optional<int64_t> int_field(std::string_view frame, std::string_view name) {
  size_t at = after_key(frame, name);
  if (at == std::string_view::npos) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(frame.data() + at, frame.data() + frame.size(), v);
  if (ec != std::errc() || p == frame.data() + at) return std::nullopt;
  return v;
}

frame_type classify(std::string_view frame) {
  if (frame.starts_with(R"({"op":"event")")) return frame_type::event;
  auto op = string_field(frame, "op");
  if (op == "event") return frame_type::event;
  if (op == "subscribed") return frame_type::subscribed;
  if (op == "error") return frame_type::error;
  return frame_type::other;
}

std::optional<scanned_event> scan_event(std::string_view frame) {
  scanned_event e;
  e.hash_key = string_field(frame, "hash_key");
  e.kind = string_field(frame, "kind");
  if (e.hash_key.empty() || e.kind.empty()) return std::nullopt;
  e.t_ns = int_field(frame, "t_ns");
  e.timestamp_us = int_field(frame, "timestamp_us");
  return e;
}

std::optional<uint64_t> seq_of_key(std::string_view key, std::string_view prefix) {
  if (!key.starts_with(prefix) || key.size() == prefix.size()) return std::nullopt;
  key.remove_prefix(prefix.size());
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  if (ec != std::errc() || p != key.data() + key.size()) return std::nullopt;
  return v;
}

}  // namespace ropekv::bench
