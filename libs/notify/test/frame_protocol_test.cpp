#include <gtest/gtest.h>

#include <string>

#include "ropekv/notify/frame_protocol.hpp"

namespace ropekv::notify {
namespace {

template <class Request>
Request parse_as(std::string_view text) {
  auto r = parse_client_frame(text);
  if (auto* err = std::get_if<frame_error>(&r)) {
    ADD_FAILURE() << text << " -> " << to_string(err->code) << ": " << err->message;
    return {};
  }
  auto& req = std::get<client_request>(r);
  if (!std::holds_alternative<Request>(req)) {
    ADD_FAILURE() << text << " parsed as another request (index " << req.index() << ")";
    return {};
  }
  return std::get<Request>(std::move(req));
}

frame_error error_of(std::string_view text) {
  auto r = parse_client_frame(text);
  if (!std::holds_alternative<frame_error>(r)) {
    ADD_FAILURE() << text << " parsed without error";
    return {};
  }
  return std::get<frame_error>(std::move(r));
}

TEST(notify_frame_protocol, subscribe_with_defaults) {
  auto s = parse_as<subscribe_request>(R"({"op":"subscribe","id":"s1","table":"t"})");
  EXPECT_EQ(s.id, R"("s1")");
  EXPECT_EQ(s.table, "t");
  EXPECT_FALSE(s.prefix);
  EXPECT_FALSE(s.hash_key);
  EXPECT_EQ(s.kinds, event_kind_set::all());
  EXPECT_FALSE(s.from_token);
}

TEST(notify_frame_protocol, subscribe_with_everything) {
  auto s = parse_as<subscribe_request>(
      R"({"op":"subscribe","id":7,"table":"t","prefix":"ab","events":["delete","rollback"],)"
      R"("from":"tok-1","extra":{"ignored":true}})");
  EXPECT_EQ(s.id, "7");
  ASSERT_TRUE(s.prefix);
  EXPECT_EQ(*s.prefix, "ab");
  event_kind_set want;
  want.insert(event_kind::remove).insert(event_kind::rollback);
  EXPECT_EQ(s.kinds, want);
  ASSERT_TRUE(s.from_token);
  EXPECT_EQ(*s.from_token, "tok-1");
}

TEST(notify_frame_protocol, subscribe_hash_key_from_now_and_null_members) {
  auto s = parse_as<subscribe_request>(
      R"({"op":"subscribe","id":-3,"table":"t","hash_key":"k\u0000z","prefix":null,"from":"now"})");
  EXPECT_EQ(s.id, "-3");
  ASSERT_TRUE(s.hash_key);
  EXPECT_EQ(*s.hash_key, std::string("k\0z", 3));
  EXPECT_FALSE(s.prefix);
  EXPECT_FALSE(s.from_token);
}

TEST(notify_frame_protocol, request_id_is_kept_as_json_text) {
  auto s = parse_as<subscribe_request>(R"({"op":"subscribe","id":"a\"b\u00e9","table":"t"})");
  EXPECT_EQ(s.id, "\"a\\\"b\xc3\xa9\"");
  auto big = parse_as<unsubscribe_request>(R"({"op":"unsubscribe","id":18446744073709551615})");
  EXPECT_EQ(big.id, "18446744073709551615");
}

TEST(notify_frame_protocol, other_ops) {
  EXPECT_EQ(parse_as<unsubscribe_request>(R"({"op":"unsubscribe","id":"s1"})").id, R"("s1")");
  EXPECT_EQ(parse_as<join_request>(R"({"op":"join","channel":"c"})").channel, "c");
  EXPECT_EQ(parse_as<leave_request>(R"({"op":"leave","channel":"c"})").channel, "c");
  EXPECT_EQ(parse_as<members_request>(R"({"op":"members","channel":"c"})").channel, "c");
  parse_as<ping_request>(R"({"op":"ping"})");
  auto p = parse_as<publish_request>(R"({"op":"publish","channel":"c","data": {"a" : [1, "x", null]}})");
  EXPECT_EQ(p.channel, "c");
  EXPECT_EQ(p.data, R"({"a":[1,"x",null]})");
  EXPECT_EQ(parse_as<publish_request>(R"({"op":"publish","channel":"c","data":null})").data, "null");
  EXPECT_EQ(parse_as<publish_request>(R"({"op":"publish","channel":"c","data":"s"})").data, R"("s")");
}

TEST(notify_frame_protocol, malformed_frames) {
  EXPECT_EQ(error_of("not json").code, frame_errc::malformed);
  EXPECT_EQ(error_of("").code, frame_errc::malformed);
  EXPECT_EQ(error_of("[1,2]").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"ping"} trailing)").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"no_op":1})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":5})").code, frame_errc::malformed);
  EXPECT_EQ(error_of("{\"op\":\"join\",\"channel\":\"\xff\"}").code, frame_errc::malformed);  // not UTF-8
  EXPECT_EQ(error_of(R"({"op":"subscribe","table":"t"})").code, frame_errc::malformed);  // no id
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":1.5,"table":"t"})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":true,"table":"t"})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":3})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s"})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","prefix":1})").code,
            frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","events":"create"})").code,
            frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","events":[1]})").code,
            frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","from":7})").code,
            frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"unsubscribe"})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"join"})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"join","channel":["c"]})").code, frame_errc::malformed);
  EXPECT_EQ(error_of(R"({"op":"publish","channel":"c"})").code, frame_errc::malformed);
}

TEST(notify_frame_protocol, unknown_op_echoes_the_id) {
  auto e = error_of(R"({"op":"shout","id":"x1"})");
  EXPECT_EQ(e.code, frame_errc::unknown_op);
  ASSERT_TRUE(e.id);
  EXPECT_EQ(*e.id, R"("x1")");
  EXPECT_FALSE(error_of(R"({"op":"shout"})").id);
}

TEST(notify_frame_protocol, bad_requests) {
  auto e = error_of(R"({"op":"subscribe","id":"s","table":"t","events":["create","nope"]})");
  EXPECT_EQ(e.code, frame_errc::bad_request);
  ASSERT_TRUE(e.id);
  EXPECT_EQ(*e.id, R"("s")");
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","events":[]})").code,
            frame_errc::bad_request);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","prefix":"a","hash_key":"b"})").code,
            frame_errc::bad_request);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":""})").code, frame_errc::bad_request);
  EXPECT_EQ(error_of(R"({"op":"subscribe","id":"s","table":"t","from":""})").code,
            frame_errc::bad_request);
  EXPECT_EQ(error_of(R"({"op":"join","channel":""})").code, frame_errc::bad_request);
}

TEST(notify_frame_protocol, length_limits) {
  const std::string ch256(256, 'c'), ch257(257, 'c');
  EXPECT_EQ(parse_as<join_request>(R"({"op":"join","channel":")" + ch256 + "\"}").channel, ch256);
  EXPECT_EQ(error_of(R"({"op":"join","channel":")" + ch257 + "\"}").code, frame_errc::bad_request);

  const std::string id128(128, 'i'), id129(129, 'i');
  EXPECT_EQ(parse_as<unsubscribe_request>(R"({"op":"unsubscribe","id":")" + id128 + "\"}").id,
            "\"" + id128 + "\"");
  auto e = error_of(R"({"op":"unsubscribe","id":")" + id129 + "\"}");
  EXPECT_EQ(e.code, frame_errc::bad_request);
  EXPECT_FALSE(e.id);  // too long to echo
}

TEST(notify_frame_protocol, deep_nesting_is_refused_without_recursion) {
  std::string deep = R"({"op":"publish","id":1,"channel":"c","data":)";
  deep += std::string(100000, '[') + std::string(100000, ']') + "}";
  auto e = error_of(deep);
  EXPECT_EQ(e.code, frame_errc::bad_request);
  ASSERT_TRUE(e.id);
  EXPECT_EQ(*e.id, "1");

  std::string ok = R"({"op":"publish","channel":"c","data":)";
  ok += std::string(63, '[') + std::string(63, ']') + "}";  // 64 levels with the frame
  EXPECT_EQ(parse_as<publish_request>(ok).data, std::string(63, '[') + std::string(63, ']'));
}

TEST(notify_frame_protocol, error_code_names) {
  EXPECT_EQ(to_string(frame_errc::frame_too_large), "frame_too_large");
  EXPECT_EQ(to_string(frame_errc::not_subscribed), "not_subscribed");
  for (int i = 0; i <= static_cast<int>(frame_errc::not_subscribed); ++i) {
    auto code = static_cast<frame_errc>(i);
    EXPECT_EQ(frame_errc_from_string(to_string(code)), code);
  }
  EXPECT_FALSE(frame_errc_from_string("nope"));
}

}  // namespace
}  // namespace ropekv::notify
