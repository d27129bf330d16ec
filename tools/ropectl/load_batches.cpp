#include "load_batches.hpp"

#include <cstdio>
#include <random>

#include "ropekv/common/base64.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::ctl {
namespace {

// {"request_id":"…","ops":[ + ] + }, with room for the id.
constexpr uint64_t envelope_bytes = 32 + 128;

void key_field(net::json_writer& w, const char* name, const std::string& bytes) {
  if (is_utf8(bytes)) w.field(name, bytes);
  else w.field(std::string(name) + "_base64", base64_encode(bytes, base64_alphabet::standard));
}

}  // namespace

bool is_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    if ((c >> 5) == 0x6) extra = 1, cp = c & 0x1f;
    else if ((c >> 4) == 0xe) extra = 2, cp = c & 0x0f;
    else if ((c >> 3) == 0x1e) extra = 3, cp = c & 0x07;
    else return false;
    if (s.size() - i <= extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

std::string put_op_json(const load_item& item, std::optional<uint64_t> ttl) {
  net::json_writer w;
  w.begin_object().field("op", "put");
  key_field(w, "hash_key", item.hash_key);
  if (item.range_key) key_field(w, "range_key", *item.range_key);
  w.key("item").raw(item.item_json);
  if (ttl) w.field("ttl", *ttl);
  return w.end_object().take();
}

std::string new_request_prefix() {
  std::random_device rd;
  uint64_t v = (uint64_t{rd()} << 32) ^ rd();
  char buf[32];
  std::snprintf(buf, sizeof buf, "load-%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::optional<load_batch> batch_builder::add(const load_item& item, uint64_t input_bytes) {
  std::string op = put_op_json(item, ttl_);
  std::optional<load_batch> full;
  bool over_ops = ops_.size() >= limits_.max_ops;
  bool over_bytes = envelope_bytes + ops_bytes_ + ops_.size() + op.size() > limits_.max_bytes;
  if (!ops_.empty() && (over_ops || over_bytes)) full = close();
  ops_bytes_ += op.size();
  ops_.push_back(std::move(op));
  lines_.push_back(item.line);
  pending_bytes_ += input_bytes;
  return full;
}

std::optional<load_batch> batch_builder::flush() {
  if (ops_.empty()) return std::nullopt;
  return close();
}

load_batch batch_builder::close() {
  load_batch b;
  b.request_id = prefix_ + "-" + std::to_string(++sequence_);
  b.body.reserve(envelope_bytes + ops_bytes_ + ops_.size());
  b.body = "{\"request_id\":\"" + b.request_id + "\",\"ops\":[";
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (i) b.body += ',';
    b.body += ops_[i];
  }
  b.body += "]}";
  b.lines = std::move(lines_);
  b.input_bytes = pending_bytes_;
  ops_.clear();
  lines_.clear();
  ops_bytes_ = 0;
  pending_bytes_ = 0;
  return b;
}

}  // namespace ropekv::ctl
