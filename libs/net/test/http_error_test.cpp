#include <gtest/gtest.h>

#include <cmath>

#include <rapidjson/document.h>

#include "ropekv/net/http_error.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::net {
namespace {

TEST(http_error, every_errc_has_a_status) {
  struct row {
    errc code;
    unsigned status;
  };
  const row rows[] = {
      {errc::invalid_argument, 400}, {errc::not_found, 404},      {errc::already_exists, 409},
      {errc::condition_failed, 412}, {errc::too_large, 413},      {errc::wrong_segment, 503},
      {errc::not_leader, 503},       {errc::unavailable, 503},    {errc::timeout, 503},
      {errc::corrupt, 500},          {errc::io_error, 500},       {errc::version_gone, 410},
      {errc::internal, 500},
  };
  for (const auto& r : rows) {
    EXPECT_EQ(http_status(r.code), r.status) << to_string(r.code);
    auto e = http_error::from(r.code, "m");
    EXPECT_EQ(e.status, r.status);
    EXPECT_EQ(e.code, to_string(r.code));
  }
  auto from_library = http_error::from(make_error(errc::condition_failed, "version 3 != 4"));
  EXPECT_EQ(from_library.status, 412u);
  EXPECT_EQ(from_library.message, "version 3 != 4");
}

TEST(http_error, json_body_shape) {
  auto body = error_body(http_error::from(errc::not_found, "no table \"t\"\n"));
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  ASSERT_TRUE(doc.IsObject()) << body;
  ASSERT_EQ(doc.MemberCount(), 1u);
  const auto& err = doc["error"];
  ASSERT_TRUE(err.IsObject());
  EXPECT_STREQ(err["code"].GetString(), "not_found");
  EXPECT_STREQ(err["message"].GetString(), "no table \"t\"\n");
}

TEST(http_error, special_codes_and_responses) {
  auto bad_json = http_error::invalid_json("x");
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_EQ(bad_json.code, "invalid_json");
  auto r = error_response(http_error::method_not_allowed("GET, PUT"));
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(r.content_type, "application/json");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "GET, PUT"}));
  EXPECT_NE(r.body.find("method_not_allowed"), std::string::npos);
  EXPECT_TRUE(error_response(http_error::from(errc::internal, "")).headers.empty());
}

TEST(http_result, carries_value_or_error) {
  http_result<int> ok = 5;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  http_result<int> bad = make_error(errc::too_large, "big");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status, 413u);
  http_result<void> v;
  EXPECT_TRUE(v.ok());
  http_result<void> e = http_error::invalid_json("x");
  EXPECT_FALSE(e.ok());
}

TEST(json_writer, writes_compact_json_from_bytes) {
  json_writer w;
  w.begin_object()
      .field("s", std::string_view("a\0b", 3))
      .field("n", uint64_t{18446744073709551615ull})
      .field("i", -3)
      .field("b", true)
      .field("lit", "x")
      .key("arr").begin_array().value(1.5).null().end_array()
      .key("raw").raw(R"({"k":[1]})")
      .end_object();
  EXPECT_TRUE(w.complete());
  EXPECT_EQ(w.take(),
            R"({"s":"a\u0000b","n":18446744073709551615,"i":-3,"b":true,"lit":"x","arr":[1.5,null],"raw":{"k":[1]}})");
  w.begin_array().value(std::nan("")).value(1.0 / 0.0).end_array();
  EXPECT_EQ(w.take(), "[null,null]");  // reusable after take(); no NaN in JSON
}

}  // namespace
}  // namespace ropekv::net
