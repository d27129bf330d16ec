#include "ropekv/index/index_key.hpp"

#include <rapidjson/document.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace ropekv::index {

std::string encode_number(double v) {
  if (v == 0) v = 0;  // -0 and 0 are one key
  auto bits = std::bit_cast<uint64_t>(v);
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, bits >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(bits & 0xFF);
  return out;
}

std::optional<double> decode_number(std::string_view key) {
  if (key.size() != 8) return std::nullopt;
  uint64_t bits = 0;
  for (char c : key) bits = (bits << 8) | static_cast<uint8_t>(c);
  bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
  return std::bit_cast<double>(bits);
}

std::optional<double> parse_json_number(std::string_view text) {
  if (text.empty() || text.size() > 512) return std::nullopt;
  // JSON's number grammar, checked by the same parser that reads items.
  rapidjson::Document d;
  d.Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  if (d.HasParseError() || !d.IsNumber()) return std::nullopt;
  double v = d.GetDouble();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

result<std::string> query_key(pb::IndexType type, std::string_view text) {
  if (type == pb::INDEX_NUMBER) {
    auto v = parse_json_number(text);
    if (!v) return make_error(errc::invalid_argument, "index_type_mismatch: a number index takes a JSON number");
    return encode_number(*v);
  }
  if (text.size() > max_index_value_bytes) {
    return make_error(errc::too_large, "index value over " + std::to_string(max_index_value_bytes) + " bytes");
  }
  return std::string(text);
}

std::string rk2_of_number(double v) { return rk2_number_tag + encode_number(v); }

std::string rk2_of_string(std::string_view s) {
  std::string out(1, rk2_string_tag);
  out += s;
  return out;
}

std::string rk2_bound(std::string_view text) {
  if (auto v = parse_json_number(text)) return rk2_of_number(*v);
  if (text.size() >= 2 && text.front() == '"') {
    rapidjson::Document d;
    d.Parse(text.data(), text.size());
    if (!d.HasParseError() && d.IsString()) return rk2_of_string({d.GetString(), d.GetStringLength()});
  }
  return rk2_of_string(text);
}

}  // namespace ropekv::index
