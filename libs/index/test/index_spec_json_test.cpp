#include "ropekv/index/index_spec_json.hpp"

#include <gtest/gtest.h>

namespace ropekv::index {
namespace {

pb::IndexSpec parse_ok(std::string_view body) {
  auto r = parse_index_spec(body, "users", "by_city");
  EXPECT_TRUE(r.ok()) << body << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : pb::IndexSpec{};
}

// The error's message starts with `code` (the router's error code).
void expect_bad(std::string_view body, std::string_view code) {
  auto r = parse_index_spec(body, "users", "by_city");
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_EQ(r.error().message.rfind(code, 0), 0u) << body << ": " << r.error().message;
}

TEST(IndexSpecJson, Defaults) {
  auto s = parse_ok(R"({"attribute":"address.city"})");
  EXPECT_EQ(s.table(), "users");
  EXPECT_EQ(s.name(), "by_city");
  EXPECT_EQ(s.attribute(), "address.city");
  EXPECT_EQ(s.type(), pb::INDEX_STRING);
  EXPECT_EQ(s.projection(), pb::PROJECT_ALL);
  EXPECT_FALSE(s.unique());
}

TEST(IndexSpecJson, EveryMember) {
  auto s = parse_ok(R"({"attribute":"age","type":"number","projection":"keys","unique":true})");
  EXPECT_EQ(s.type(), pb::INDEX_NUMBER);
  EXPECT_EQ(s.projection(), pb::PROJECT_KEYS);
  EXPECT_TRUE(s.unique());
  EXPECT_EQ(parse_ok(R"({"type":"string","projection":"all","unique":false,"attribute":"a"})").type(),
            pb::INDEX_STRING);
}

TEST(IndexSpecJson, Errors) {
  expect_bad(R"({})", "bad_attribute");
  expect_bad(R"({"type":"number"})", "bad_attribute");
  expect_bad(R"({"attribute":""})", "bad_attribute");
  expect_bad(R"({"attribute":"a..b"})", "bad_attribute");
  expect_bad(R"({"attribute":7})", "bad_attribute");
  expect_bad(R"({"attribute":"a","type":"date"})", "bad_type");
  expect_bad(R"({"attribute":"a","type":1})", "bad_type");
  expect_bad(R"({"attribute":"a","type":"Number"})", "bad_type");
  expect_bad(R"({"attribute":"a","projection":"some"})", "bad_projection");
  expect_bad(R"({"attribute":"a","projection":null})", "bad_projection");
  expect_bad(R"({"attribute":"a","unique":"true"})", "bad_unique");
  expect_bad(R"({"attribute":"a","unique":1})", "bad_unique");
  expect_bad(R"({"attribute":"a","projecton":"keys"})", "bad_json");
  expect_bad(R"({"attribute":"a","attribute":"b"})", "bad_json");
  expect_bad(R"([])", "bad_json");
  expect_bad(R"("a")", "bad_json");
  expect_bad("", "bad_json");
  expect_bad(R"({"attribute":"a")", "bad_json");
  auto r = parse_index_spec(R"({"attribute":"a","projecton":"keys"})", "t", "n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown member \"projecton\""), std::string::npos);
}

TEST(IndexSpecJson, Names) {
  EXPECT_EQ(type_name(pb::INDEX_NUMBER), "number");
  EXPECT_EQ(type_name(pb::INDEX_STRING), "string");
  EXPECT_EQ(projection_name(pb::PROJECT_KEYS), "keys");
  EXPECT_EQ(projection_name(pb::PROJECT_ALL), "all");
  EXPECT_EQ(phase_name(pb::INDEX_ASSIGNED), "assigned");
  EXPECT_EQ(phase_name(pb::INDEX_BACKFILLING), "backfilling");
  EXPECT_EQ(phase_name(pb::INDEX_ACTIVE), "active");
}

TEST(IndexSpecJson, SameDefinition) {
  auto a = parse_ok(R"({"attribute":"a"})");
  auto b = parse_ok(R"({"attribute":"a","type":"string","projection":"all","unique":false})");
  EXPECT_TRUE(same_definition(a, b));
  for (const char* other : {R"({"attribute":"b"})", R"({"attribute":"a","type":"number"})",
                            R"({"attribute":"a","projection":"keys"})", R"({"attribute":"a","unique":true})"}) {
    EXPECT_FALSE(same_definition(a, parse_ok(other))) << other;
  }
}

}  // namespace
}  // namespace ropekv::index
