#include <gtest/gtest.h>

#include "json_value.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::string_literals;

TEST(json_value, numbers_keep_their_source_text) {
  auto v = json_value::parse(R"({"big":123456789012345678901234567890,"pi":3.14159265358979323846264,"e":1E+2})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->to_json(), R"({"big":123456789012345678901234567890,"pi":3.14159265358979323846264,"e":1E+2})");
  EXPECT_EQ(v->find("big")->as_uint64(), std::nullopt);  // beyond 2^64
}

TEST(json_value, compacts_and_keeps_order_and_nesting) {
  auto compact = compact_json(" {\n \"b\" : [1, {\"x\": null}, true],\t\"a\": \"s\" }\n");
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(*compact, R"({"b":[1,{"x":null},true],"a":"s"})");
}

TEST(json_value, lookups_and_scalars) {
  auto v = json_value::parse(R"({"v":18446744073709551615,"neg":-1,"s":"x\u0000y","t":true,"n":null})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->find("v")->as_uint64(), 18446744073709551615ull);
  EXPECT_EQ(v->find("neg")->as_uint64(), std::nullopt);
  EXPECT_EQ(v->find("s")->text(), "x\0y"s);
  EXPECT_TRUE(v->find("t")->as_bool());
  EXPECT_TRUE(v->find("n")->is_null());
  EXPECT_EQ(v->find("n")->to_display(), "");
  EXPECT_EQ(v->find("missing"), nullptr);
  EXPECT_EQ(v->find("s")->to_json(), R"("x\u0000y")");
}

TEST(json_value, rejects_malformed_text_and_trailing_garbage) {
  for (const char* bad : {"", "{", R"({"a":})", "{} x", "[1,]", "nul"}) {
    auto v = json_value::parse(bad);
    EXPECT_FALSE(v.ok()) << bad;
    if (!v) {
      EXPECT_EQ(v.error().code, errc::invalid_argument);
    }
  }
  EXPECT_TRUE(json_value::parse("{}  \n").ok());
}

TEST(json_value, deep_nesting_does_not_recurse_while_parsing) {
  std::string deep(5000, '[');
  deep += std::string(5000, ']');
  auto v = json_value::parse(deep);
  EXPECT_TRUE(v.ok());
}

}  // namespace
}  // namespace ropekv::ctl
