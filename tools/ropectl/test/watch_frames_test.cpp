// The notifier frames `ropectl watch` sends and reads (docs/notifier.md).
#include <gtest/gtest.h>

#include "watch_frames.hpp"

namespace ropekv::ctl {
namespace {

command watch_command() {
  command c;
  c.kind = command_kind::watch;
  c.table = "orders";
  return c;
}

json_value json(std::string_view text) {
  auto v = json_value::parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v ? std::move(v).value() : json_value{};
}

TEST(watch_frames, subscribe_sends_only_what_was_given) {
  command c = watch_command();
  EXPECT_EQ(subscribe_frame(c), R"({"op":"subscribe","id":"ropectl","table":"orders"})");
  c.watch.prefix = "cust-";
  c.watch.events = {"create", "update"};
  c.watch.from = "tok_1";
  EXPECT_EQ(subscribe_frame(c),
            R"({"op":"subscribe","id":"ropectl","table":"orders","prefix":"cust-","events":["create","update"],"from":"tok_1"})");
  command k = watch_command();
  k.watch.hash_key = "cust-42";
  EXPECT_EQ(subscribe_frame(k), R"({"op":"subscribe","id":"ropectl","table":"orders","hash_key":"cust-42"})");
}

TEST(watch_frames, server_frames_are_classified_with_their_token) {
  auto sub = parse_server_frame(R"({"op":"subscribed","id":"ropectl","token":"T0"})");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(sub->op, frame_op::subscribed);
  EXPECT_EQ(sub->token, "T0");
  auto ev = parse_server_frame(R"({"op":"event","kind":"create","token":"T1"})");
  ASSERT_TRUE(ev.ok());
  EXPECT_EQ(ev->op, frame_op::event);
  EXPECT_EQ(ev->token, "T1");
  auto err = parse_server_frame(R"({"op":"error","code":"unknown_table","message":"no table orders","id":"ropectl"})");
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->op, frame_op::error);
  EXPECT_EQ(err->error_code, "unknown_table");
  EXPECT_EQ(err->error_message, "no table orders");
  EXPECT_EQ(err->token, std::nullopt);
  EXPECT_EQ(format_frame_error(*err), "error: unknown_table: no table orders");
  auto pong = parse_server_frame(R"({"op":"pong"})");
  ASSERT_TRUE(pong.ok());
  EXPECT_EQ(pong->op, frame_op::other);
  auto future = parse_server_frame(R"({"op":"something_new","token":"X"})");
  ASSERT_TRUE(future.ok());
  EXPECT_EQ(future->op, frame_op::other);
  EXPECT_FALSE(parse_server_frame("not json").ok());
  EXPECT_FALSE(parse_server_frame("[1]").ok());
}

TEST(watch_frames, slow_consumer_says_how_to_resume) {
  auto f = parse_server_frame(R"({"op":"error","code":"slow_consumer","message":"queue full","token":"AB-c_9"})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->token, "AB-c_9");
  EXPECT_EQ(format_frame_error(*f), "error: slow_consumer: queue full (fell behind; resume with --from AB-c_9)");
}

TEST(watch_frames, event_lines) {
  EXPECT_EQ(format_event(json(R"({"op":"event","sub":"ropectl","kind":"update","table":"orders","partition":813,
      "hash_key":"cust-42","version":1733550000123456,"prev_version":1733549999000001,"item":{"total":7},
      "timestamp_us":1733550000123456,"token":"T"})")),
            "update  orders  cust-42  v=1733550000123456 prev=1733549999000001  {\"total\":7}\n");
  EXPECT_EQ(format_event(json(R"({"kind":"create","table":"orders","hash_key":"c","range_key":"2024-01",
      "version":5,"prev_version":0,"item":{"n":1.50}})")),
            "create  orders  c 2024-01  v=5  {\"n\":1.50}\n");
  EXPECT_EQ(format_event(json(R"({"kind":"delete","table":"orders","hash_key":"c","version":6,"prev_version":5})")),
            "delete  orders  c  v=6 prev=5\n");
  EXPECT_EQ(format_event(json(R"({"kind":"expired","table":"orders","hash_key_base64":"AP8=","version":7,"prev_version":6})")),
            "expired orders  \\x00\\xff  v=7 prev=6\n");
  EXPECT_EQ(format_event(json(R"({"kind":"rollback","table":"orders","partition":813,"version":9,
      "to_version":1733540000000000})")),
            "rollback orders partition=813 to_version=1733540000000000\n");
}

}  // namespace
}  // namespace ropekv::ctl
