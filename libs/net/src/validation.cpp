#include "ropekv/net/validation.hpp"

#include <charconv>
#include <string>

namespace ropekv::net {
namespace {

bool name_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

}  // namespace

http_result<void> validate_name(std::string_view what, std::string_view name) {
  if (name.size() < min_name_bytes || name.size() > max_name_bytes)
    return http_error::from(errc::invalid_argument,
                            std::string(what) + " must be 3..255 characters");
  for (char c : name)
    if (!name_char(c))
      return http_error::from(errc::invalid_argument,
                              std::string(what) + " may only contain [A-Za-z0-9_.-]");
  return {};
}

http_result<void> validate_hash_key(std::string_view key) {
  if (key.empty()) return http_error::from(errc::invalid_argument, "hash key must not be empty");
  if (key.size() > keys::max_hash_key_bytes)
    return http_error::from(errc::too_large, "hash key is " + std::to_string(key.size()) +
                                                 " bytes; the limit is " +
                                                 std::to_string(keys::max_hash_key_bytes));
  return {};
}

http_result<void> validate_range_key(std::string_view key) {
  if (key.size() > keys::max_range_key_bytes)
    return http_error::from(errc::too_large, "range key is " + std::to_string(key.size()) +
                                                 " bytes; the limit is " +
                                                 std::to_string(keys::max_range_key_bytes));
  return {};
}

http_result<uint64_t> parse_uint64(std::string_view what, std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end)
    return http_error::from(errc::invalid_argument,
                            std::string(what) + " must be a non-negative integer");
  return value;
}

http_result<uint16_t> parse_partition(std::string_view text) {
  auto value = parse_uint64("partition", text);
  if (!value) return std::move(value).error();
  if (*value >= keys::partitions_per_table)
    return http_error::from(errc::invalid_argument, "partition must be 0..65535");
  return static_cast<uint16_t>(*value);
}

std::string printable(std::string_view bytes) {
  static constexpr size_t max_shown = 64;
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  if (bytes.size() > max_shown) out += "...";
  return out;
}

}  // namespace ropekv::net
