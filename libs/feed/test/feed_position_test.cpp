// feed_position: the per-range cursors behind a resume token.
#include <gtest/gtest.h>

#include <vector>

#include "ropekv/feed/feed_position.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::feed {
namespace {

std::string key(const std::string& hk) { return keys::encode(keys::make_key(5, hk)); }

TEST(feed_position, uniform_position_round_trips_through_the_token) {
  auto p = feed_position::uniform(5, 42);
  EXPECT_EQ(p.cursors(), 1u);
  EXPECT_EQ(p.at(key("a")), 42u);
  auto back = feed_position::parse(p.encode());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, p);
  EXPECT_EQ(back->table(), 5u);
}

TEST(feed_position, advancing_a_range_cuts_cursors_and_equal_neighbours_merge) {
  auto p = feed_position::uniform(5, 10);
  std::string a = key("a"), b = key("b");
  std::string lo = std::min(a, b), hi = std::max(a, b);
  p.advance(lo, hi, 20);
  EXPECT_EQ(p.cursors(), 3u);
  EXPECT_EQ(p.at(lo), 20u);
  EXPECT_EQ(p.at(hi), 10u);
  EXPECT_EQ(p.at(p.table_start()), lo == p.table_start() ? 20u : 10u);
  EXPECT_EQ(p.lowest("", ""), 10u);
  EXPECT_EQ(p.lowest(lo, hi), 20u);
  // Never backwards.
  p.advance(lo, hi, 15);
  EXPECT_EQ(p.at(lo), 20u);
  // The rest catches up: one cursor again.
  p.advance("", "", 20);
  EXPECT_EQ(p.cursors(), 1u);
  auto back = feed_position::parse(p.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, p);
}

// A split leaves the parent's cursor valid on both halves: each half is read
// after the position its range had in the token.
TEST(feed_position, a_token_from_before_a_split_starts_both_halves_where_the_parent_was) {
  auto p = feed_position::uniform(5, 0);
  p.advance("", "", 7);                                // parent segment read up to 7
  std::string at = key("m");
  EXPECT_EQ(p.lowest("", at), 7u);                     // left half
  EXPECT_EQ(p.lowest(at, ""), 7u);                     // right half
  p.advance(at, "", 12);                               // the right half moves on alone
  EXPECT_EQ(p.lowest("", at), 7u);
  EXPECT_EQ(p.lowest(at, ""), 12u);
  EXPECT_EQ(p.lowest("", ""), 7u);
}

TEST(feed_position, ranges_outside_the_table_are_clipped) {
  auto p = feed_position::uniform(5, 3);
  p.advance("", keys::table_prefix(5), 9);             // entirely before the table
  EXPECT_EQ(p.cursors(), 1u);
  EXPECT_EQ(p.lowest("", ""), 3u);
  p.advance(keys::table_prefix(6), "", 9);             // entirely after it
  EXPECT_EQ(p.lowest("", ""), 3u);
}

TEST(feed_position, covers_compares_every_key) {
  auto a = feed_position::uniform(5, 10);
  auto b = feed_position::uniform(5, 10);
  EXPECT_TRUE(a.covers(b));
  b.advance(key("q"), "", 11);
  EXPECT_FALSE(a.covers(b));
  EXPECT_TRUE(b.covers(a));
  a.advance("", "", 11);
  EXPECT_TRUE(a.covers(b));
  EXPECT_FALSE(a.covers(feed_position::uniform(6, 0)));
}

TEST(feed_position, a_capped_advance_stops_at_the_cap_of_each_key) {
  auto cap = feed_position::uniform(5, 10);
  std::string m = key("m");
  cap.advance(m, "", 30);
  auto p = feed_position::uniform(5, 0);
  p.advance_capped("", "", 20, cap);
  EXPECT_EQ(p.lowest("", m), 10u);
  EXPECT_EQ(p.lowest(m, ""), 20u);
  EXPECT_FALSE(p.covers(cap));
  p.advance_capped("", "", 50, cap);
  EXPECT_EQ(p, cap);
}

TEST(feed_position, malformed_tokens_are_bad_tokens) {
  for (const std::string& text : std::vector<std::string>{"", "!!!", "AAAA", std::string(2 << 20, 'A')}) {
    auto p = feed_position::parse(text);
    ASSERT_FALSE(p.ok()) << text.substr(0, 10);
    EXPECT_EQ(p.error().code, errc::invalid_argument);
    EXPECT_NE(p.error().message.find("bad_token"), std::string::npos);
  }
  // Well-formed protobuf, but the cursors leave a gap.
  auto t = feed_position::uniform(5, 1).to_token();
  t.mutable_cursors(0)->set_start_key(key("b"));
  EXPECT_FALSE(feed_position::from_token(t).ok());
  // Overlapping cursors.
  auto two = feed_position::uniform(5, 1);
  two.advance(key("b"), "", 2);
  auto tt = two.to_token();
  tt.mutable_cursors(1)->set_start_key(tt.cursors(0).start_key());
  EXPECT_FALSE(feed_position::from_token(tt).ok());
  // Unknown format.
  auto f = feed_position::uniform(5, 1).to_token();
  f.set_format(9);
  EXPECT_FALSE(feed_position::from_token(f).ok());
}

}  // namespace
}  // namespace ropekv::feed
