#include <gtest/gtest.h>

#include "ropekv/net/json_body.hpp"

namespace ropekv::net {
namespace {

void expect_code(std::string_view body, std::string_view code) {
  auto r = normalize_json_object(body);
  ASSERT_FALSE(r.ok()) << body.substr(0, 40);
  EXPECT_EQ(r.error().status, 400u);
  EXPECT_EQ(r.error().code, code) << body.substr(0, 40) << ": " << r.error().message;
}

TEST(json_body, normalizes_objects_compactly) {
  auto r = normalize_json_object(" {\n \"a\" : [1, 2.50, {\"b\":null}], \"s\":\"x\\u00e9\\n\", \"t\":true } ");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, "{\"a\":[1,2.50,{\"b\":null}],\"s\":\"x\xc3\xa9\\n\",\"t\":true}");
  EXPECT_EQ(normalize_json_object("{}")->json, "{}");
}

TEST(json_body, keeps_numbers_verbatim) {
  auto r = normalize_json_object(R"({"big":123456789012345678901234567890,"d":0.1000000000000000055511,"e":-1E+300})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->json, R"({"big":123456789012345678901234567890,"d":0.1000000000000000055511,"e":-1E+300})");
  // RapidJSON still refuses magnitudes beyond double range.
  expect_code(R"({"e":1E+400})", "invalid_json");
}

TEST(json_body, syntax_errors_are_invalid_json) {
  for (std::string_view bad : {"", "   ", "{", "{\"a\":}", "{\"a\":1,}", "{} {}", "{}x",
                               "{'a':1}", "{\"a\":01}", "{\"a\":\"\x01\"}"})
    expect_code(bad, "invalid_json");
  expect_code(std::string_view("{}\0", 3), "invalid_json");
  expect_code("{\"a\":\"\xff\"}", "invalid_json");            // not UTF-8
  expect_code("{\"a\":\"\xc3\"}", "invalid_json");            // truncated UTF-8
}

TEST(json_body, non_objects_are_invalid_argument) {
  for (std::string_view bad : {"[]", "[{}]", "1", "\"s\"", "null", "true"})
    expect_code(bad, "invalid_argument");
}

TEST(json_body, nesting_is_capped_without_recursion) {
  std::string ok = "{\"a\":" + std::string(max_json_depth - 1, '[') +
                   std::string(max_json_depth - 1, ']') + "}";
  EXPECT_TRUE(normalize_json_object(ok).ok());
  std::string deep = "{\"a\":" + std::string(max_json_depth, '[') +
                     std::string(max_json_depth, ']') + "}";
  expect_code(deep, "invalid_argument");
  // Far deeper than any stack could recurse: still a clean error.
  expect_code("{\"a\":" + std::string(1 << 20, '['), "invalid_argument");
}

}  // namespace
}  // namespace ropekv::net
