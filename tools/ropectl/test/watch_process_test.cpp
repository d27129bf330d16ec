// End to end for `ropectl watch`: the real binary, as a subprocess, against
// fake_notifier (a WebSocket server thread answering scripted frames), so
// no cluster is needed. Checks the subscribe frame, stdout, stderr and the
// exit status for each way a watch ends.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>

#include "fake_notifier.hpp"
#include "subprocess.hpp"

namespace ropekv::ctl {
namespace {

using test::fake_notifier;
using test::process_result;

const std::string subscribed = R"({"op":"subscribed","id":"ropectl","token":"T0"})";
const std::string event1 =
    R"({"op":"event","sub":"ropectl","kind":"create","table":"orders","partition":813,"hash_key":"cust-42",)"
    R"("version":1733550000000001,"prev_version":0,"item":{"total":5},"timestamp_us":1733550000000001,"token":"T1"})";
const std::string event2 =
    R"({"op":"event","sub":"ropectl","kind":"update","table":"orders","partition":813,"hash_key":"cust-42",)"
    R"("version":1733550000123456,"prev_version":1733550000000001,"item":{"total":7},"timestamp_us":1733550000123456,"token":"T2"})";
const std::string event3 =
    R"({"op":"event","sub":"ropectl","kind":"rollback","table":"orders","partition":813,"version":1733550000123456,)"
    R"("to_version":1733540000000000,"timestamp_us":1733550000200000,"token":"T3"})";

process_result watch(const std::vector<std::string>& args, const std::vector<std::string>& env = {},
                     const std::function<void(pid_t, const process_result&)>& on_output = {}) {
  std::vector<std::string> argv = {ROPECTL_BINARY, "watch"};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_process(argv, {}, env, {"ROPEKV_NOTIFIER", "ROPEKV_ROUTER"}, std::chrono::seconds(20),
                           on_output);
}

TEST(watch_process_test, two_events_then_an_error_frame) {
  fake_notifier notifier({subscribed, event1, event2,
                          R"({"op":"error","code":"slow_consumer","message":"outbound queue over its budget","token":"T2"})"});
  auto r = watch({"orders", "--prefix", "cust-", "--events", "create,update", "--notifier", notifier.url()});
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_EQ(r.out,
            "create  orders  cust-42  v=1733550000000001  {\"total\":5}\n"
            "update  orders  cust-42  v=1733550000123456 prev=1733550000000001  {\"total\":7}\n");
  EXPECT_EQ(r.err,
            "error: slow_consumer: outbound queue over its budget (fell behind; resume with --from T2)\n"
            "resume token: T2\n");
  EXPECT_EQ(notifier.subscribe(),
            R"({"op":"subscribe","id":"ropectl","table":"orders","prefix":"cust-","events":["create","update"]})");
  EXPECT_TRUE(notifier.closed_politely());
}

TEST(watch_process_test, count_exits_0_after_n_events_with_json) {
  fake_notifier notifier({subscribed, event1, event2, event3});
  auto r = watch({"orders", "--count", "2", "--json", "--from", "T0"},
                 {"ROPEKV_NOTIFIER=" + notifier.url()});  // the URL from the environment
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, event1 + "\n" + event2 + "\n");
  EXPECT_EQ(r.err, "resume token: T2\n");
  EXPECT_EQ(notifier.subscribe(), R"({"op":"subscribe","id":"ropectl","table":"orders","from":"T0"})");
  EXPECT_TRUE(notifier.closed_politely());
}

TEST(watch_process_test, rollback_line_and_unknown_table) {
  fake_notifier rolled({subscribed, event3});
  auto r = watch({"orders", "--count", "1", "--notifier", rolled.url()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "rollback orders partition=813 to_version=1733540000000000\n");
  EXPECT_EQ(r.err, "resume token: T3\n");

  fake_notifier unknown({R"({"op":"error","code":"unknown_table","message":"no table nosuch","id":"ropectl"})"});
  auto u = watch({"nosuch", "--notifier", unknown.url()});
  EXPECT_EQ(u.exit_code, 3);
  EXPECT_EQ(u.out, "");
  EXPECT_EQ(u.err, "error: unknown_table: no table nosuch\n");  // no token was ever had
}

TEST(watch_process_test, sigint_exits_0_and_prints_the_resume_token) {
  fake_notifier notifier({subscribed, event1});
  bool sent = false;
  auto r = watch({"orders", "--notifier", notifier.url()}, {}, [&](pid_t pid, const process_result& so_far) {
    if (!sent && std::count(so_far.out.begin(), so_far.out.end(), '\n') == 1) {
      kill(pid, SIGINT);
      sent = true;
    }
  });
  EXPECT_TRUE(sent);
  EXPECT_EQ(r.signal, 0);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "create  orders  cust-42  v=1733550000000001  {\"total\":5}\n");
  EXPECT_EQ(r.err, "resume token: T1\n");
  EXPECT_TRUE(notifier.closed_politely());
}

TEST(watch_process_test, no_event_within_the_timeout_exits_5) {
  fake_notifier notifier({subscribed});
  auto r = watch({"orders", "--timeout", "0.3", "--notifier", notifier.url()});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: timeout: no event within 0.3 s\nresume token: T0\n");
}

TEST(watch_process_test, connection_refused_exits_5) {
  // A port that was just free: bound, then released.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor probe(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = std::to_string(probe.local_endpoint().port());
  probe.close();
  auto r = watch({"orders", "--from", "F0", "--notifier", "ws://127.0.0.1:" + port});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err.starts_with("error: unreachable: connecting to notifier at 127.0.0.1:" + port + ": "))
      << r.err;
  EXPECT_TRUE(r.err.ends_with("\nresume token: F0\n")) << r.err;
}

}  // namespace
}  // namespace ropekv::ctl
