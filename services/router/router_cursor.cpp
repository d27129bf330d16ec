#include "router_cursor.hpp"

#include "ropekv/common/base64.hpp"

namespace ropekv::router {
namespace {

constexpr uint8_t cursor_version = 1;
constexpr uint8_t flag_reverse = 1;
constexpr uint8_t flag_after = 2;
constexpr uint8_t known_flags = flag_reverse | flag_after;
// Far above any real key (<= a few KiB): a length beyond it is garbage.
constexpr uint64_t max_field_bytes = 64 * 1024;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_str(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}
  bool byte(uint8_t& b) {
    if (at_ >= in_.size()) return false;
    b = static_cast<uint8_t>(in_[at_++]);
    return true;
  }
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = 0;
      if (!byte(b)) return false;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      // Minimal encodings only (no trailing 0x00 group): one cursor, one text.
      if (!(b & 0x80)) return (shift == 0 || b != 0) && (shift < 63 || b <= 1);
    }
    return false;
  }
  bool str(std::string& s) {
    uint64_t n = 0;
    if (!varint(n) || n > max_field_bytes || n > in_.size() - at_) return false;
    s.assign(in_.substr(at_, n));
    at_ += n;
    return true;
  }
  bool done() const { return at_ == in_.size(); }

 private:
  std::string_view in_;
  size_t at_ = 0;
};

net::http_error malformed() {
  return net::http_error::from(errc::invalid_argument, "malformed cursor");
}

}  // namespace

std::string encode_cursor(const router_cursor& c) {
  std::string raw = "RC";
  raw.push_back(static_cast<char>(cursor_version));
  raw.push_back(static_cast<char>(c.kind));
  uint8_t flags = (c.reverse ? flag_reverse : 0) | (c.after ? flag_after : 0);
  raw.push_back(static_cast<char>(flags));
  put_varint(raw, c.table);
  put_str(raw, c.pos);
  put_str(raw, c.after ? *c.after : std::string_view());
  put_str(raw, c.after_rk);
  put_str(raw, c.inner);
  put_varint(raw, c.inner_segment);
  put_varint(raw, c.inner_epoch);
  return base64_encode(raw, base64_alphabet::url);
}

net::http_result<router_cursor> decode_cursor(std::string_view text) {
  auto raw = base64_decode(text, base64_alphabet::url);
  if (!raw) return malformed();
  reader r(*raw);
  uint8_t r0 = 0, c0 = 0, version = 0, kind = 0, flags = 0;
  if (!r.byte(r0) || !r.byte(c0) || r0 != 'R' || c0 != 'C') return malformed();
  if (!r.byte(version) || version != cursor_version) return malformed();
  if (!r.byte(kind) || (kind != 's' && kind != 'r' && kind != 'i')) return malformed();
  if (!r.byte(flags) || (flags & ~known_flags) != 0) return malformed();
  router_cursor c;
  c.kind = static_cast<walk_kind>(kind);
  c.reverse = flags & flag_reverse;
  uint64_t table = 0;
  std::string after;
  if (!r.varint(table) || table > UINT32_MAX) return malformed();
  c.table = static_cast<uint32_t>(table);
  if (!r.str(c.pos) || !r.str(after) || !r.str(c.after_rk) || !r.str(c.inner)) return malformed();
  if (!r.varint(c.inner_segment) || !r.varint(c.inner_epoch) || !r.done()) return malformed();
  if (flags & flag_after) c.after = std::move(after);
  else if (!after.empty()) return malformed();
  return c;
}

}  // namespace ropekv::router
