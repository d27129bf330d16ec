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

frame_type classify(std::string_view frame) {
  if (frame.starts_with(R"({"op":"event")")) return frame_type::event;
  auto op = string_field(frame, "op");
  if (op == "event") return frame_type::event;
  if (op == "subscribed") return frame_type::subscribed;
  if (op == "error") return frame_type::error;
  return frame_type::other;
}

std::optional<scanned_event> scan_event(std::string_view frame) {
  // The notifier writes kind, table, partition, hash_key, ..., item,
  // timestamp_us, token in this order; each search starts where the last
  // field ended, so a frame is scanned about once.
  constexpr std::string_view kind_key = R"("kind":")";
  constexpr std::string_view hash_key = R"("hash_key":")";
  constexpr std::string_view t_ns_key = R"("t_ns":)";
  constexpr std::string_view ts_key = R"("timestamp_us":)";
  scanned_event e;
  auto quoted = [&](std::string_view key, size_t from, std::string_view& out) -> size_t {
    size_t at = frame.find(key, from);
    if (at == std::string_view::npos) return at;
    at += key.size();
    size_t end = frame.find('"', at);
    if (end == std::string_view::npos) return end;
    out = frame.substr(at, end - at);
    return end + 1;
  };
  auto number = [&](std::string_view key, size_t from, std::optional<int64_t>& out) -> size_t {
    size_t at = frame.find(key, from);
    if (at == std::string_view::npos) return from;
    at += key.size();
    int64_t v = 0;
    auto [p, ec] = std::from_chars(frame.data() + at, frame.data() + frame.size(), v);
    if (ec != std::errc()) return from;
    out = v;
    return static_cast<size_t>(p - frame.data());
  };
  size_t pos = quoted(kind_key, 0, e.kind);
  if (pos == std::string_view::npos) return std::nullopt;
  pos = quoted(hash_key, pos, e.hash_key);
  if (pos == std::string_view::npos || e.hash_key.empty()) return std::nullopt;
  pos = number(t_ns_key, pos, e.t_ns);
  number(ts_key, pos, e.timestamp_us);
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
