#include "ropekv/common/base64.hpp"

#include <array>
#include <cstdint>

namespace ropekv {
namespace {

constexpr std::string_view standard_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_chars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view chars_of(base64_alphabet a) {
  return a == base64_alphabet::standard ? standard_chars : url_chars;
}

// 0..63 per character, -1 for characters outside the alphabet.
std::array<int8_t, 256> reverse_table(std::string_view chars) {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (size_t i = 0; i < chars.size(); ++i) table[static_cast<uint8_t>(chars[i])] = static_cast<int8_t>(i);
  return table;
}

}  // namespace

std::string base64_encode(std::string_view bytes, base64_alphabet alphabet) {
  std::string_view chars = chars_of(alphabet);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(chars[(v >> shift) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
  if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
  out.push_back(chars[(v >> 18) & 63]);
  out.push_back(chars[(v >> 12) & 63]);
  if (rest == 2) out.push_back(chars[(v >> 6) & 63]);
  if (alphabet == base64_alphabet::standard) out.append(rest == 1 ? "==" : "=");
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, base64_alphabet alphabet) {
  static const auto standard_table = reverse_table(standard_chars);
  static const auto url_table = reverse_table(url_chars);
  const auto& table = alphabet == base64_alphabet::standard ? standard_table : url_table;
  if (alphabet == base64_alphabet::standard) {
    if (text.size() % 4 != 0) return std::nullopt;
    size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    text.remove_suffix(pad);
    if (pad > 0 && text.size() % 4 != 4 - pad) return std::nullopt;
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int8_t v = table[static_cast<uint8_t>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero: otherwise two texts would decode alike.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace ropekv
