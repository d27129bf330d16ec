#include "ropekv/feed/write_token.hpp"

#include "ropekv/common/base64.hpp"

namespace ropekv::feed {
namespace {

constexpr size_t max_write_token_chars = 8192;

}  // namespace

std::string encode_write_token(uint32_t table, std::string_view key, uint64_t position) {
  pb::WriteToken t;
  t.set_format(1);
  t.set_table_id(table);
  t.set_key(std::string(key));
  t.set_position(position);
  return base64_encode(t.SerializeAsString(), base64_alphabet::url);
}

result<pb::WriteToken> parse_write_token(std::string_view text) {
  if (text.empty() || text.size() > max_write_token_chars) {
    return make_error(errc::invalid_argument, "bad_token: empty or oversized write token");
  }
  auto bytes = base64_decode(text, base64_alphabet::url);
  pb::WriteToken t;
  if (!bytes || !t.ParseFromString(*bytes) || t.format() != 1 || t.position() == 0) {
    return make_error(errc::invalid_argument, "bad_token: not a write token");
  }
  return t;
}

bool has_read(const feed_position& read, const pb::WriteToken& token) {
  return token.table_id() == read.table() && read.at(token.key()) >= token.position();
}

}  // namespace ropekv::feed
