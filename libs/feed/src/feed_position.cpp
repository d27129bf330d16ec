#include "ropekv/feed/feed_position.hpp"

#include <algorithm>

#include "ropekv/common/base64.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::feed {
namespace {

constexpr uint32_t token_format = 1;
/// A token is a few cursors per segment of one table; anything far larger
/// is not one of ours.
constexpr size_t max_token_chars = 1 << 20;

}  // namespace

std::string_view later_start(std::string_view a, std::string_view b) { return a < b ? b : a; }

std::string_view earlier_end(std::string_view a, std::string_view b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return std::min(a, b);
}

feed_position feed_position::uniform(uint32_t table, uint64_t position) {
  std::string start = keys::table_prefix(table);
  feed_position p(table, keys::prefix_end(start));
  p.by_start_.emplace(std::move(start), position);
  return p;
}

result<feed_position> feed_position::from_token(const pb::FeedToken& token) {
  if (token.format() != token_format) {
    return make_error(errc::invalid_argument, "bad_token: unknown token format");
  }
  auto p = uniform(token.table_id(), 0);
  p.by_start_.clear();
  std::string expect = keys::table_prefix(token.table_id());
  for (int i = 0; i < token.cursors_size(); ++i) {
    const auto& c = token.cursors(i);
    bool last = i + 1 == token.cursors_size();
    // An empty end: up to the next cursor's start (the table's end for the last).
    std::string end = !c.end_key().empty() ? c.end_key() : last ? p.table_end_ : token.cursors(i + 1).start_key();
    if (c.start_key() != expect || end <= c.start_key() || end > p.table_end_ ||
        (last && end != p.table_end_)) {
      return make_error(errc::invalid_argument, "bad_token: cursors do not cover the table once");
    }
    p.by_start_.emplace(c.start_key(), c.position());
    expect = std::move(end);
  }
  if (p.by_start_.empty()) return make_error(errc::invalid_argument, "bad_token: no cursors");
  p.merge_equal_neighbours();
  return p;
}

result<feed_position> feed_position::parse(std::string_view text) {
  auto token = decode_token(text);
  if (!token) return std::move(token).error();
  return from_token(*token);
}

const std::string& feed_position::table_start() const noexcept { return by_start_.begin()->first; }

uint64_t feed_position::at(std::string_view key) const {
  auto it = by_start_.upper_bound(key);
  if (it == by_start_.begin()) return it->second;  // below the table: its first cursor
  return std::prev(it)->second;
}

uint64_t feed_position::lowest(std::string_view start, std::string_view end) const {
  std::string_view s = later_start(start, table_start());
  std::string_view e = earlier_end(end, table_end_);
  auto it = by_start_.upper_bound(s);
  if (it != by_start_.begin()) --it;
  uint64_t low = it->second;
  for (; it != by_start_.end() && it->first < e; ++it) low = std::min(low, it->second);
  return low;
}

void feed_position::cut(const std::string& key) {
  if (key <= table_start() || key >= table_end_) return;
  auto it = by_start_.upper_bound(key);
  uint64_t pos = std::prev(it)->second;
  by_start_.emplace(key, pos);
}

void feed_position::advance(std::string_view start, std::string_view end, uint64_t position) {
  std::string s(later_start(start, table_start()));
  std::string e(earlier_end(end, table_end_));
  if (s >= e) return;
  cut(s);
  cut(e);
  for (auto it = by_start_.find(s); it != by_start_.end() && it->first < e; ++it) {
    it->second = std::max(it->second, position);
  }
  merge_equal_neighbours();
}

void feed_position::advance_capped(std::string_view start, std::string_view end,
                                   uint64_t position, const feed_position& cap) {
  for (auto it = cap.by_start_.begin(); it != cap.by_start_.end(); ++it) {
    auto next = std::next(it);
    std::string_view cap_end = next == cap.by_start_.end() ? std::string_view(cap.table_end_) : next->first;
    std::string_view s = later_start(start, it->first);
    std::string_view e = earlier_end(end, cap_end);
    if (s < e) advance(s, e, std::min(position, it->second));
  }
}

bool feed_position::covers(const feed_position& other) const {
  if (other.table_ != table_) return false;
  // Compare on the union of both sets of boundaries.
  for (const auto& [start, pos] : other.by_start_) {
    auto it = other.by_start_.upper_bound(start);
    std::string_view end = it == other.by_start_.end() ? std::string_view(table_end_) : it->first;
    if (lowest(start, end) < pos) return false;
  }
  return true;
}

void feed_position::merge_equal_neighbours() {
  for (auto it = by_start_.begin(); it != by_start_.end();) {
    auto next = std::next(it);
    if (next != by_start_.end() && next->second == it->second) {
      by_start_.erase(next);
    } else {
      it = next;
    }
  }
}

pb::FeedToken feed_position::to_token() const {
  pb::FeedToken t;
  t.set_format(token_format);
  t.set_table_id(table_);
  for (auto it = by_start_.begin(); it != by_start_.end(); ++it) {
    // Cursors are contiguous: each ends where the next starts (end_key
    // stays empty), which keeps the token short.
    auto* c = t.add_cursors();
    c->set_start_key(it->first);
    c->set_position(it->second);
  }
  return t;
}

std::string feed_position::encode() const { return encode_token(to_token()); }

std::string encode_token(const pb::FeedToken& token) {
  return base64_encode(token.SerializeAsString(), base64_alphabet::url);
}

result<pb::FeedToken> decode_token(std::string_view text) {
  if (text.empty() || text.size() > max_token_chars) {
    return make_error(errc::invalid_argument, "bad_token: empty or oversized token");
  }
  auto bytes = base64_decode(text, base64_alphabet::url);
  pb::FeedToken token;
  if (!bytes || !token.ParseFromString(*bytes)) {
    return make_error(errc::invalid_argument, "bad_token: not a resume token");
  }
  return token;
}

}  // namespace ropekv::feed
