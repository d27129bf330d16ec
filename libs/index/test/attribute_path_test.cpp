#include "ropekv/index/attribute_path.hpp"

#include <gtest/gtest.h>

#include "ropekv/index/index_key.hpp"

namespace ropekv::index {
namespace {

attribute_path path(std::string_view text) {
  auto p = attribute_path::parse(text);
  EXPECT_TRUE(p.ok()) << text;
  return p.ok() ? *p : attribute_path{};
}

void expect_bad(std::string_view text) {
  auto p = attribute_path::parse(text);
  ASSERT_FALSE(p.ok()) << text;
  EXPECT_EQ(p.error().code, errc::invalid_argument);
  EXPECT_EQ(p.error().message.rfind("bad_attribute", 0), 0u) << p.error().message;
}

std::optional<std::string> str_key(std::string_view json, std::string_view p) {
  return extract_key(json, path(p), pb::INDEX_STRING);
}

std::optional<std::string> num_key(std::string_view json, std::string_view p) {
  return extract_key(json, path(p), pb::INDEX_NUMBER);
}

TEST(AttributePath, ParsesSegments) {
  auto p = path("address.city");
  EXPECT_EQ(p.text(), "address.city");
  EXPECT_EQ(p.segments(), (std::vector<std::string>{"address", "city"}));
  EXPECT_EQ(path("a").segments().size(), 1u);
  EXPECT_EQ(path("a b.ü-x").segments(), (std::vector<std::string>{"a b", "ü-x"}));
}

TEST(AttributePath, RefusesMalformedPaths) {
  expect_bad("");
  expect_bad("a..b");
  expect_bad(".a");
  expect_bad("a.");
  expect_bad(".");
  expect_bad("a\nb");
  expect_bad(std::string("a\0b", 3));
  expect_bad("a\x7f");
}

TEST(AttributePath, LimitsDepthAndLength) {
  std::string deep = "a";
  for (size_t i = 1; i < max_path_depth; ++i) deep += ".a";
  EXPECT_TRUE(attribute_path::parse(deep).ok());
  expect_bad(deep + ".a");
  EXPECT_TRUE(attribute_path::parse(std::string(max_path_bytes, 'x')).ok());
  expect_bad(std::string(max_path_bytes + 1, 'x'));
}

TEST(ExtractKey, NestedStrings) {
  const char* doc = R"({"name":"ann","address":{"city":"Oslo","geo":{"zip":"0150"}}})";
  EXPECT_EQ(str_key(doc, "name"), "ann");
  EXPECT_EQ(str_key(doc, "address.city"), "Oslo");
  EXPECT_EQ(str_key(doc, "address.geo.zip"), "0150");
  EXPECT_EQ(str_key(R"({"s":""})", "s"), "");
  EXPECT_EQ(str_key(R"({"s":"a\u0000b"})", "s"), std::string("a\0b", 3));
  EXPECT_EQ(str_key(R"({"s":"\u00e9"})", "s"), "\xc3\xa9");
}

TEST(ExtractKey, Numbers) {
  EXPECT_EQ(num_key(R"({"n":42})", "n"), encode_number(42));
  EXPECT_EQ(num_key(R"({"n":-7.25})", "n"), encode_number(-7.25));
  EXPECT_EQ(num_key(R"({"n":-0})", "n"), encode_number(0));
  EXPECT_EQ(num_key(R"({"n":1e300})", "n"), encode_number(1e300));
  EXPECT_EQ(num_key(R"({"a":{"n":3}})", "a.n"), encode_number(3));
  // Beyond 2^53 an integer keeps its double's order (docs/indexes.md).
  EXPECT_EQ(num_key(R"({"n":12345678901234567890})", "n"), encode_number(12345678901234567890.0));
  EXPECT_EQ(num_key(R"({"n":-9223372036854775808})", "n"), encode_number(-9223372036854775808.0));
  EXPECT_EQ(num_key(R"({"n":123456789012345678901234567890})", "n"), encode_number(1.2345678901234568e29));
  EXPECT_LT(*num_key(R"({"n":-9007199254740993})", "n"), *num_key(R"({"n":9007199254740993})", "n"));
  // The key is the one a query value of the same text gets.
  EXPECT_EQ(num_key(R"({"n":0.1})", "n"), query_key(pb::INDEX_NUMBER, "0.1").value());
}

TEST(ExtractKey, NotIndexed) {
  EXPECT_FALSE(str_key(R"({"a":1})", "b"));                  // missing
  EXPECT_FALSE(str_key(R"({"a":null})", "a"));               // null
  EXPECT_FALSE(str_key(R"({"a":true})", "a"));               // boolean
  EXPECT_FALSE(num_key(R"({"a":false})", "a"));
  EXPECT_FALSE(str_key(R"({"a":1})", "a"));                  // the other type
  EXPECT_FALSE(num_key(R"({"a":"1"})", "a"));
  EXPECT_FALSE(str_key(R"({"a":["x"]})", "a"));              // arrays and objects
  EXPECT_FALSE(num_key(R"({"a":[1]})", "a"));
  EXPECT_FALSE(str_key(R"({"a":{"b":"x"}})", "a"));
  EXPECT_FALSE(str_key(R"({"a":"x"})", "a.b"));              // through a non-object
  EXPECT_FALSE(str_key(R"({"a":["x"]})", "a.0"));
  EXPECT_FALSE(str_key(R"({"a.b":"x"})", "a.b"));            // a dotted member cannot be named
}

TEST(ExtractKey, NonObjectItems) {
  EXPECT_FALSE(str_key(R"(["a"])", "a"));
  EXPECT_FALSE(str_key(R"("a")", "a"));
  EXPECT_FALSE(num_key("3", "a"));
  EXPECT_FALSE(str_key("", "a"));
  EXPECT_FALSE(str_key("{\"a\":\"x\"", "a"));                // truncated
  EXPECT_FALSE(str_key("{\"a\":\"x\"} junk", "a"));
  EXPECT_FALSE(num_key(R"({"n":1e999})", "n"));              // not a finite number: not an item
}

TEST(ExtractKey, OverLongStringsAreNotIndexed) {
  std::string at_limit(max_index_value_bytes, 'x');
  EXPECT_EQ(str_key(R"({"s":")" + at_limit + "\"}", "s"), at_limit);
  EXPECT_FALSE(str_key(R"({"s":")" + at_limit + "x\"}", "s"));
}

}  // namespace
}  // namespace ropekv::index
