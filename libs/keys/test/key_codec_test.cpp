#include <gtest/gtest.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::keys {
namespace {

// Random byte strings biased towards the troublesome bytes (00, 01, FF)
// and towards short strings, so prefixes and empty strings are common.
std::string random_bytes(std::mt19937_64& rng) {
  static const char alphabet[] = {'\x00', '\x01', '\xFF', '\xFE', 'a', 'b'};
  std::uniform_int_distribution<int> len(0, 4);
  std::uniform_int_distribution<int> pick(0, 5);
  std::string s;
  int n = len(rng);
  for (int i = 0; i < n; ++i) s.push_back(alphabet[pick(rng)]);
  return s;
}

item_key random_key(std::mt19937_64& rng) {
  std::uniform_int_distribution<uint32_t> table(0, 2);
  std::uniform_int_distribution<int> part(0, 2);
  static const uint16_t parts[] = {0, 1, 0xFFFF};
  return item_key{table(rng) == 2 ? 0xFFFFFFFFu : table(rng), parts[part(rng)],
                  random_bytes(rng), random_bytes(rng)};
}

auto as_tuple(const item_key& k) {
  return std::tie(k.table, k.partition, k.hash_key, k.range_key);
}

TEST(key_codec, byte_order_equals_tuple_order) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; ++i) {
    item_key a = random_key(rng), b = random_key(rng);
    std::string ea = encode(a), eb = encode(b);
    // std::string compares as unsigned bytes via char_traits<char>::compare (memcmp).
    int bytes = ea.compare(eb);
    auto ta = as_tuple(a), tb = as_tuple(b);
    int tuple = ta < tb ? -1 : (tb < ta ? 1 : 0);
    ASSERT_EQ((bytes > 0) - (bytes < 0), tuple)
        << "hk " << testing::PrintToString(a.hash_key) << " vs " << testing::PrintToString(b.hash_key)
        << " rk " << testing::PrintToString(a.range_key) << " vs " << testing::PrintToString(b.range_key);
  }
}

TEST(key_codec, decode_inverts_encode) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 50000; ++i) {
    item_key k = random_key(rng);
    auto back = decode(encode(k));
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_EQ(*back, k);
  }
}

TEST(key_codec, prefixes_bound_their_keys) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20000; ++i) {
    item_key k = random_key(rng);
    std::string e = encode(k);
    for (const std::string& p : {table_prefix(k.table), partition_prefix(k.table, k.partition),
                                 hash_key_prefix(k.table, k.partition, k.hash_key)}) {
      ASSERT_EQ(e.compare(0, p.size(), p), 0);
      std::string end = prefix_end(p);
      ASSERT_TRUE(end.empty() || e < end);
    }
    // A different hash key never falls inside this hash key's prefix.
    item_key other = k;
    other.hash_key.push_back('a');
    std::string p = hash_key_prefix(k.table, k.partition, k.hash_key);
    ASSERT_NE(encode(other).compare(0, p.size(), p), 0);
  }
}

TEST(key_codec, rejects_garbage) {
  EXPECT_EQ(decode("").error().code, errc::corrupt);
  EXPECT_EQ(decode(std::string("\0\0\0\0\0\0abc", 9)).error().code, errc::corrupt);
  EXPECT_EQ(decode(std::string("\0\0\0\0\0\0a\0\x07", 9)).error().code, errc::corrupt);
  std::string valid = encode(item_key{1, 2, "h", "r"});
  EXPECT_EQ(decode(valid + "x").error().code, errc::corrupt);
}

TEST(key_codec, prefix_end_of_all_ff_is_infinity) {
  EXPECT_EQ(prefix_end("\xFF\xFF"), "");
  EXPECT_EQ(prefix_end(std::string("a\xFF", 2)), "b");
}

}  // namespace
}  // namespace ropekv::keys
