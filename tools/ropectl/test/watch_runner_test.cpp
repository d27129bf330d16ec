// The watch loop against a scripted frame_stream: what is sent, printed on
// stdout and stderr, and the exit code for each way a watch ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <sstream>

#include "watch_runner.hpp"

namespace ropekv::ctl {
namespace {

struct fake_stream final : frame_stream {
  std::deque<result<received_frame>> script;
  std::vector<std::string> sent;
  std::vector<bool> waited_with_deadline;
  bool closed = false;
  std::optional<error> send_error;

  status send(std::string_view text) override {
    if (send_error) return *send_error;
    sent.emplace_back(text);
    return {};
  }
  result<received_frame> receive(std::optional<watch_clock::time_point> deadline) override {
    waited_with_deadline.push_back(deadline.has_value());
    EXPECT_FALSE(closed);
    if (script.empty()) return make_error(errc::internal, "script ran out");
    auto next = std::move(script.front());
    script.pop_front();
    return next;
  }
  void close() override { closed = true; }

  void frame(std::string text) { script.push_back(received_frame{false, std::move(text)}); }
  void fail(errc code, std::string message) { script.push_back(make_error(code, std::move(message))); }
  void interrupt() { script.push_back(received_frame{true, {}}); }
};

struct outcome {
  int code = -1;
  std::string out, err;
};

outcome run(std::vector<std::string> args, fake_stream& stream) {
  args.insert(args.begin(), {"ropectl", "watch"});
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {};
  std::ostringstream out, err;
  int code = run_watch(*parsed.args, stream, out, err);
  return {code, out.str(), err.str()};
}

const char* subscribed = R"({"op":"subscribed","id":"ropectl","token":"T0"})";
const char* event1 = R"({"op":"event","sub":"ropectl","kind":"create","table":"orders","partition":1,
  "hash_key":"a","version":10,"prev_version":0,"item":{"x":1},"token":"T1"})";
const char* event2 = R"({"op":"event", "sub":"ropectl","kind":"update","table":"orders","partition":1,"hash_key":"a","version":11,"prev_version":10,"item":{"x":2.50},"token":"T2"})";

TEST(watch_runner, prints_events_until_an_error_frame) {
  fake_stream s;
  s.frame(subscribed);
  s.frame(event1);
  s.frame(R"({"op":"pong"})");
  s.frame(event2);
  s.frame(R"({"op":"error","code":"feed_compacted","message":"token older than retention","id":"ropectl"})");
  auto r = run({"orders", "--prefix", "a"}, s);
  EXPECT_EQ(r.code, exit_not_found);
  EXPECT_EQ(r.out,
            "create  orders  a  v=10  {\"x\":1}\n"
            "update  orders  a  v=11 prev=10  {\"x\":2.50}\n");
  EXPECT_EQ(r.err, "error: feed_compacted: token older than retention\nresume token: T2\n");
  ASSERT_EQ(s.sent.size(), 1u);
  EXPECT_EQ(s.sent[0], R"({"op":"subscribe","id":"ropectl","table":"orders","prefix":"a"})");
  EXPECT_TRUE(s.closed);
  for (bool d : s.waited_with_deadline) EXPECT_FALSE(d);  // no --timeout: wait for ever
}

TEST(watch_runner, json_prints_each_event_frame_on_one_line) {
  fake_stream s;
  s.frame(subscribed);
  s.frame(event1);
  s.frame(event2);
  s.interrupt();
  auto r = run({"orders", "--json"}, s);
  EXPECT_EQ(r.code, exit_ok);
  // event1 spans two lines: compacted; event2 is printed byte for byte.
  EXPECT_EQ(r.out,
            R"({"op":"event","sub":"ropectl","kind":"create","table":"orders","partition":1,"hash_key":"a","version":10,"prev_version":0,"item":{"x":1},"token":"T1"})"
            "\n" + std::string(event2) + "\n");
  EXPECT_EQ(r.err, "resume token: T2\n");
}

TEST(watch_runner, count_stops_after_n_events) {
  fake_stream s;
  s.frame(subscribed);
  s.frame(event1);
  s.frame(event2);
  s.frame(event1);  // never read
  auto r = run({"orders", "--count", "2"}, s);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  EXPECT_EQ(r.err, "resume token: T2\n");
  EXPECT_EQ(s.script.size(), 1u);
  EXPECT_TRUE(s.closed);
}

TEST(watch_runner, interrupted_before_any_event_keeps_the_subscribed_token) {
  fake_stream s;
  s.frame(subscribed);
  s.interrupt();
  auto r = run({"orders"}, s);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "resume token: T0\n");
}

TEST(watch_runner, idle_timeout_exits_5) {
  fake_stream s;
  s.frame(subscribed);
  s.fail(errc::timeout, "no frame before the deadline");
  auto r = run({"orders", "--timeout", "0.5", "--from", "F0"}, s);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err, "error: timeout: no event within 0.5 s\nresume token: T0\n");
  for (bool d : s.waited_with_deadline) EXPECT_TRUE(d);
  EXPECT_NE(s.sent[0].find(R"("from":"F0")"), std::string::npos);
}

TEST(watch_runner, slow_consumer_gives_the_token_to_resume_from) {
  fake_stream s;
  s.frame(subscribed);
  s.frame(event1);
  s.frame(R"({"op":"error","code":"slow_consumer","message":"outbound queue over 1048576 bytes","token":"T1b"})");
  auto r = run({"orders"}, s);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err,
            "error: slow_consumer: outbound queue over 1048576 bytes (fell behind; resume with --from T1b)\n"
            "resume token: T1b\n");
}

TEST(watch_runner, lost_connection_exits_5_with_the_token) {
  fake_stream s;
  s.frame(subscribed);
  s.frame(event1);
  s.fail(errc::unavailable, "the notifier closed the connection (1001 going away)");
  auto r = run({"orders"}, s);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err, "error: unavailable: the notifier closed the connection (1001 going away)\nresume token: T1\n");
}

TEST(watch_runner, failing_to_subscribe_keeps_the_from_token) {
  fake_stream s;
  s.send_error = make_error(errc::unavailable, "sending to notifier at n:1: broken pipe");
  auto r = run({"orders", "--from", "F0"}, s);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err, "error: unreachable: sending to notifier at n:1: broken pipe\nresume token: F0\n");
}

TEST(watch_runner, a_frame_that_is_not_json_exits_1) {
  fake_stream s;
  s.frame("garbage");
  auto r = run({"orders"}, s);
  EXPECT_EQ(r.code, exit_internal);
  EXPECT_TRUE(r.err.starts_with("error: internal: the notifier sent a frame that is not a JSON object")) << r.err;
}

}  // namespace
}  // namespace ropekv::ctl
