// Split keys an owner picks (split_key.hpp): size median, load-weighted
// median, a dominating hot hash key split between its range keys, and no
// split for fewer than two items.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "ropekv/keys/key_codec.hpp"
#include "split_key.hpp"

namespace ropekv::segment_owner {
namespace {

std::string key(const std::string& hk, const std::string& rk = "") {
  return keys::encode(keys::make_key(7, hk, rk));
}

std::string prefix(const std::string& hk) {
  auto k = keys::make_key(7, hk);
  return keys::hash_key_prefix(k.table, k.partition, hk);
}

TEST(weighted_median, splits_where_the_left_holds_half) {
  EXPECT_EQ(weighted_median({{"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}}), "c");
  EXPECT_EQ(weighted_median({{"a", 1}, {"b", 1}}), "b");
  // Heavy first key: everything else goes right.
  EXPECT_EQ(weighted_median({{"a", 10}, {"b", 1}, {"c", 1}}), "b");
  // Heavy last key: it goes right alone.
  EXPECT_EQ(weighted_median({{"a", 1}, {"b", 1}, {"c", 1}, {"z", 10}}), "z");
  // Duplicates add up; order of the input does not matter.
  EXPECT_EQ(weighted_median({{"c", 1}, {"a", 1}, {"a", 1}, {"b", 1}}), "b");
}

TEST(weighted_median, never_for_fewer_than_two_keys) {
  EXPECT_EQ(weighted_median({}), std::nullopt);
  EXPECT_EQ(weighted_median({{"a", 5}}), std::nullopt);
  EXPECT_EQ(weighted_median({{"a", 5}, {"a", 3}}), std::nullopt);
  EXPECT_EQ(weighted_median({{"a", 0}, {"b", 0}}), std::nullopt);
}

TEST(choose_split_key, size_median_falls_on_a_hash_key_boundary) {
  // 20 hash keys, one item each, equal sizes: the split is the prefix of
  // the hash key in the middle of the rope order, so no hash key is cut.
  std::vector<weighted_key> items;
  for (int i = 0; i < 20; ++i) items.push_back({key("h" + std::to_string(i), "r"), 100});
  auto at = choose_split_key(items);
  ASSERT_TRUE(at);
  std::vector<std::string> sorted;
  for (auto& i : items) sorted.push_back(i.key);
  std::sort(sorted.begin(), sorted.end());
  size_t left = std::count_if(sorted.begin(), sorted.end(), [&](const std::string& k) { return k < *at; });
  EXPECT_EQ(left, 10u);
  auto decoded = keys::decode(sorted[10]);
  EXPECT_EQ(*at, prefix(decoded->hash_key));
}

TEST(choose_split_key, size_median_is_weighted_by_bytes) {
  // Rope order of these hash keys decides; find it, then make the first
  // one as heavy as all the others together.
  std::vector<std::string> hks{"a", "b", "c", "d", "e"};
  std::sort(hks.begin(), hks.end(), [](const std::string& x, const std::string& y) { return key(x) < key(y); });
  std::vector<weighted_key> items{{key(hks[0], "1"), 400}, {key(hks[1], "1"), 100}, {key(hks[2], "1"), 100},
                                  {key(hks[3], "1"), 100}, {key(hks[4], "1"), 100}};
  // hks[0] holds half of the bytes but less than the dominant share of 0.6:
  // the split goes right after it.
  EXPECT_EQ(choose_split_key(items, 0.6), prefix(hks[1]));
}

TEST(choose_split_key, a_dominating_hash_key_is_split_between_its_range_keys) {
  std::vector<weighted_key> samples;
  // "hot" gets 80% of the sampled load, spread over range keys r00..r39.
  for (int i = 0; i < 40; ++i) {
    char rk[8];
    std::snprintf(rk, sizeof rk, "r%02d", i);
    samples.push_back({key("hot", rk), 2});
  }
  for (int i = 0; i < 20; ++i) samples.push_back({key("cold" + std::to_string(i), "x"), 1});
  auto at = choose_split_key(samples);
  ASSERT_TRUE(at);
  auto decoded = keys::decode(*at);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->hash_key, "hot");
  // Between its range keys: neither the hot key's first nor past its last.
  EXPECT_GT(decoded->range_key, "r00");
  EXPECT_LE(decoded->range_key, "r39");
  EXPECT_GT(*at, prefix("hot"));
}

TEST(choose_split_key, one_hash_key_alone_is_split_at_its_load_median) {
  std::vector<weighted_key> samples;
  // Load skewed to the low range keys: the median follows the load.
  for (int i = 0; i < 10; ++i) samples.push_back({key("solo", "k" + std::to_string(i)), i < 2 ? 10.0 : 1.0});
  auto at = choose_split_key(samples);
  ASSERT_TRUE(at);
  EXPECT_EQ(keys::decode(*at)->range_key, "k1");
}

TEST(choose_split_key, nothing_to_split_in_one_item) {
  EXPECT_EQ(choose_split_key({}), std::nullopt);
  EXPECT_EQ(choose_split_key({{key("only", "r"), 1000}}), std::nullopt);
  EXPECT_EQ(choose_split_key({{key("only", "r"), 1}, {key("only", "r"), 1}}), std::nullopt);
  // Not rope keys at all: ignored.
  EXPECT_EQ(choose_split_key({{"garbage", 1}, {"more garbage", 1}}), std::nullopt);
}

TEST(choose_split_key, one_hot_item_among_others_is_isolated_at_a_boundary) {
  // One hot single item dominates; it cannot be divided, so the split goes
  // between hash keys instead.
  std::vector<weighted_key> samples{{key("hot", "only"), 50}};
  for (int i = 0; i < 6; ++i) samples.push_back({key("k" + std::to_string(i)), 1});
  auto at = choose_split_key(samples);
  ASSERT_TRUE(at);
  auto smallest = std::min_element(samples.begin(), samples.end(),
                                   [](const weighted_key& a, const weighted_key& b) { return a.key < b.key; });
  EXPECT_GT(*at, smallest->key);
  auto decoded = keys::decode(*at + std::string("\0\1", 2));  // a prefix plus an empty range key
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->range_key, "");
}

}  // namespace
}  // namespace ropekv::segment_owner
