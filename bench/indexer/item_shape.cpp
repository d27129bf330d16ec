#include "item_shape.hpp"

namespace ropekv::bench::indexer {

const index_def* find_index(std::string_view name) {
  for (const auto& d : index_defs)
    if (d.name == name) return &d;
  return nullptr;
}

std::string index_spec_body(const index_def& def, std::string_view projection) {
  std::string out = "{\"attribute\":\"";
  out += def.attribute;
  out += "\",\"type\":\"";
  out += def.type;
  out += "\",\"projection\":\"";
  out += projection;
  out += "\"}";
  return out;
}

namespace {

// Closes the object with a padding field that brings the body to
// `value_bytes` (`,"pad":"` + x… + `"}`); an empty pad when already longer.
void pad_and_close(std::string& out, unsigned value_bytes) {
  out += ",\"pad\":\"";
  if (out.size() + 2 < value_bytes) out.append(value_bytes - out.size() - 2, 'x');
  out += "\"}";
}

}  // namespace

std::string item_body(std::string_view tag, uint64_t seq, unsigned value_bytes) {
  const std::string s = std::to_string(seq);
  std::string out;
  out.reserve(value_bytes + 64);
  out += "{\"email\":\"user-";
  out += tag;
  out += s;
  out += "@example.com\",\"user_id\":";
  out += s;
  out += ",\"city\":\"city-";
  out += std::to_string(seq % 100);
  out += "\",\"age\":";
  out += std::to_string(seq % 90);
  out += ",\"status\":\"s";
  out += std::to_string(seq % 5);
  out += '"';
  pad_and_close(out, value_bytes);
  return out;
}

std::string probe_body(uint64_t value, unsigned value_bytes) {
  const std::string v = std::to_string(value);
  std::string out;
  out.reserve(value_bytes + 64);
  out += "{\"email\":\"probe-" + v + "@example.com\",\"user_id\":" + v + ",\"city\":\"probe-" + v +
         "\",\"age\":" + v + ",\"status\":\"probe-" + v + '"';
  pad_and_close(out, value_bytes);
  return out;
}

std::string probe_eq(const index_def& def, uint64_t value) {
  const std::string v = std::to_string(value);
  if (def.type == "number") return v;
  if (def.attribute == "email") return percent_encode("probe-" + v + "@example.com");
  return "probe-" + v;
}

std::string preload_eq_template(const index_def& def) {
  if (def.attribute == "email") return "user-{key}" + percent_encode("@") + "example.com";
  if (def.attribute == "user_id") return "{key}";
  return "";
}

std::string eq_query_target(std::string_view table, std::string_view index, std::string_view eq) {
  std::string out = "/v1/tables/";
  out += table;
  out += "/indexes/";
  out += index;
  out += "/items?eq=";
  out += eq;
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace ropekv::bench::indexer
