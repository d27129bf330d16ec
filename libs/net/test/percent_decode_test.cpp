#include <gtest/gtest.h>

#include "ropekv/net/percent_decode.hpp"

namespace ropekv::net {
namespace {

using namespace std::string_literals;

TEST(percent_decode, decodes_escapes_to_raw_bytes) {
  EXPECT_EQ(*percent_decode("a%41%62c"), "aAbc");
  EXPECT_EQ(*percent_decode("%00"), "\0"s);
  EXPECT_EQ(*percent_decode("x%00y"), "x\0y"s);
  EXPECT_EQ(*percent_decode("%ff%FE"), "\xff\xfe"s);
  EXPECT_EQ(*percent_decode("a%2Fb"), "a/b");
  EXPECT_EQ(*percent_decode("%25"), "%");
  EXPECT_EQ(*percent_decode(""), "");
}

TEST(percent_decode, plus_is_literal_in_paths_and_space_in_queries) {
  EXPECT_EQ(*percent_decode("a+b", decode_mode::path), "a+b");
  EXPECT_EQ(*percent_decode("a+b", decode_mode::query), "a b");
  EXPECT_EQ(*percent_decode("a%2Bb", decode_mode::query), "a+b");
}

TEST(percent_decode, rejects_malformed_escapes) {
  for (const char* bad : {"%zz", "%4", "abc%", "%", "%g0", "%0g", "x%4"}) {
    auto r = percent_decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "invalid_argument");
  }
}

TEST(percent_decode, encode_round_trips_every_byte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  auto encoded = percent_encode(all);
  EXPECT_EQ(encoded.find('/'), std::string::npos);
  EXPECT_EQ(encoded.find('+'), std::string::npos);
  EXPECT_EQ(*percent_decode(encoded), all);
  EXPECT_EQ(*percent_decode(encoded, decode_mode::query), all);
  EXPECT_EQ(percent_encode("a-b_c.d~e f/"), "a-b_c.d~e%20f%2F");
}

TEST(split_request_target, separates_path_and_query) {
  auto t = split_request_target("/v1/tables?limit=5&x");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->path, "/v1/tables");
  EXPECT_EQ(t->query, "limit=5&x");
  auto no_query = split_request_target("/healthz");
  EXPECT_EQ(no_query->path, "/healthz");
  EXPECT_EQ(no_query->query, "");
  for (const char* bad : {"", "*", "http://host/v1/tables", "v1/tables"})
    EXPECT_FALSE(split_request_target(bad).ok()) << bad;
}

TEST(decode_path_segments, splits_before_decoding) {
  auto s = decode_path_segments("/v1/tables/t/items/a%2Fb/%00");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 6u);
  EXPECT_EQ((*s)[4], "a/b");
  EXPECT_EQ((*s)[5], "\0"s);
  auto trailing = decode_path_segments("/v1/tables/");
  ASSERT_EQ(trailing->size(), 3u);
  EXPECT_EQ((*trailing)[2], "");
  auto dots = decode_path_segments("/a/../.");
  EXPECT_EQ(*dots, (std::vector<std::string>{"a", "..", "."}));
  EXPECT_FALSE(decode_path_segments("/v1/%zz").ok());
}

TEST(parse_query, keeps_order_and_decodes) {
  auto q = parse_query("a=1&&b=&c&d=x%20y+z&a=2");
  ASSERT_TRUE(q.ok());
  query_pairs expected = {{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "x y z"}, {"a", "2"}};
  EXPECT_EQ(*q, expected);
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_EQ((*parse_query("k=a=b"))[0].second, "a=b");
  EXPECT_FALSE(parse_query("from=%4").ok());
  EXPECT_FALSE(parse_query("%zz=1").ok());
}

}  // namespace
}  // namespace ropekv::net
