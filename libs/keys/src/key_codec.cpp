#include "ropekv/keys/key_codec.hpp"

#include "ropekv/keys/partition.hpp"

namespace ropekv::keys {
namespace {

constexpr char esc = '\x00';
constexpr char esc_zero = '\xFF';
constexpr char esc_end = '\x01';

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Reads one escaped string starting at `pos`; advances pos past terminator.
result<std::string> read_escaped(std::string_view in, size_t& pos) {
  std::string out;
  while (pos < in.size()) {
    char c = in[pos++];
    if (c != esc) {
      out.push_back(c);
      continue;
    }
    if (pos >= in.size()) break;
    char next = in[pos++];
    if (next == esc_zero) {
      out.push_back('\0');
    } else if (next == esc_end) {
      return out;
    } else {
      return make_error(errc::corrupt, "bad escape in key");
    }
  }
  return make_error(errc::corrupt, "unterminated key component");
}

}  // namespace

void append_escaped(std::string& out, std::string_view bytes) {
  for (char c : bytes) {
    out.push_back(c);
    if (c == esc) out.push_back(esc_zero);
  }
  out.push_back(esc);
  out.push_back(esc_end);
}

std::string table_prefix(uint32_t table) {
  std::string out;
  put_u32(out, table);
  return out;
}

std::string partition_prefix(uint32_t table, uint16_t partition) {
  std::string out = table_prefix(table);
  put_u16(out, partition);
  return out;
}

std::string hash_key_prefix(uint32_t table, uint16_t partition, std::string_view hash_key) {
  std::string out = partition_prefix(table, partition);
  append_escaped(out, hash_key);
  return out;
}

std::string encode(const item_key& key) {
  std::string out;
  out.reserve(6 + key.hash_key.size() + key.range_key.size() + 6);
  out = hash_key_prefix(key.table, key.partition, key.hash_key);
  append_escaped(out, key.range_key);
  return out;
}

result<item_key> decode(std::string_view bytes) {
  if (bytes.size() < 6) return make_error(errc::corrupt, "key shorter than its header");
  item_key key;
  for (int i = 0; i < 4; ++i) key.table = (key.table << 8) | static_cast<uint8_t>(bytes[i]);
  key.partition = static_cast<uint16_t>((static_cast<uint8_t>(bytes[4]) << 8) |
                                        static_cast<uint8_t>(bytes[5]));
  size_t pos = 6;
  auto hk = read_escaped(bytes, pos);
  if (!hk) return std::move(hk).error();
  auto rk = read_escaped(bytes, pos);
  if (!rk) return std::move(rk).error();
  if (pos != bytes.size()) return make_error(errc::corrupt, "trailing bytes after key");
  key.hash_key = std::move(*hk);
  key.range_key = std::move(*rk);
  return key;
}

item_key make_key(uint32_t table, std::string hash_key, std::string range_key) {
  item_key key;
  key.table = table;
  key.partition = partition_of(hash_key);
  key.hash_key = std::move(hash_key);
  key.range_key = std::move(range_key);
  return key;
}

std::string prefix_end(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    auto last = static_cast<uint8_t>(out.back());
    if (last != 0xFF) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

}  // namespace ropekv::keys
