#include "ropekv/feed/write_token.hpp"

#include <gtest/gtest.h>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::feed {
namespace {

TEST(WriteToken, RoundTripsAndIsReadOnceTheKeyIsThere) {
  std::string key = keys::encode(keys::item_key{7, 3, "alice", ""});
  auto t = parse_write_token(encode_write_token(7, key, 42));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->table_id(), 7u);
  EXPECT_EQ(t->key(), key);
  auto read = feed_position::uniform(7, 41);
  EXPECT_FALSE(has_read(read, *t));
  read.advance(key, keys::prefix_end(key), 42);
  EXPECT_TRUE(has_read(read, *t));
  EXPECT_FALSE(has_read(feed_position::uniform(8, 100), *t));  // another table
}

TEST(WriteToken, RefusesGarbage) {
  EXPECT_FALSE(parse_write_token(""));
  EXPECT_FALSE(parse_write_token("!!!"));
  EXPECT_FALSE(parse_write_token(feed_position::uniform(1, 5).encode()));  // a resume token
}

}  // namespace
}  // namespace ropekv::feed
