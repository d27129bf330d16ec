#include "item_json.hpp"

#include <cstdint>
#include <string>

#include "ropekv/common/base64.hpp"

namespace ropekv::router {

bool is_utf8(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n = 0;
    uint32_t cp = 0;
    if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_for_length[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

void write_key(net::json_writer& w, std::string_view name, std::string_view bytes) {
  if (is_utf8(bytes)) {
    w.key(name).value(bytes);
    return;
  }
  w.key(std::string(name) + "_base64").value(base64_encode(bytes, base64_alphabet::standard));
}

void write_item(net::json_writer& w, const pb::Item& item, bool table_has_range_key) {
  w.begin_object();
  write_key(w, "hash_key", item.hash_key());
  if (table_has_range_key) write_key(w, "range_key", item.range_key());
  w.field("version", static_cast<uint64_t>(item.version()));
  if (item.expires_at_ms() > 0) w.field("expires_at_ms", static_cast<int64_t>(item.expires_at_ms()));
  w.key("item");
  if (item.value().empty()) w.raw("{}");
  else w.raw(item.value());
  w.end_object();
}

}  // namespace ropekv::router
