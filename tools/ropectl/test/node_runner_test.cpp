// nodes and node drain|undrain with a scripted transport and a fake clock
// (the fake sleep advances it): requests sent, stdout, stderr and exit
// codes of drain --wait -- drained, timed out, cancelled, unknown node,
// transient failures while polling.
#include <gtest/gtest.h>

#include <deque>
#include <sstream>

#include "json_value.hpp"
#include "node_runner.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;

struct scripted_router {
  scripted_router(std::initializer_list<result<http_reply>> scripted) : replies(scripted) {}

  std::deque<result<http_reply>> replies;
  std::vector<api_call> calls;
  http_reply last_cluster;  // repeated once the script runs out

  fetch_fn fetch() {
    return [this](const api_call& call) -> result<http_reply> {
      calls.push_back(call);
      if (replies.empty()) return last_cluster;
      auto r = std::move(replies.front());
      replies.pop_front();
      return r;
    };
  }
};

struct outcome {
  int code = -1;
  std::string out, err;
  std::chrono::milliseconds slept{0};
};

outcome run(std::vector<std::string> args, scripted_router& router, bool terminal = false) {
  args.insert(args.begin(), "ropectl");
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {};
  outcome o;
  auto clock = std::chrono::steady_clock::time_point{} + 1h;
  index_wait_env env;
  env.terminal = terminal;
  env.sleep = [&](std::chrono::milliseconds d) {
    o.slept += d;
    clock += d;
  };
  env.now = [&] { return clock; };
  std::ostringstream out, err;
  o.code = run_node(*parsed.args, router.fetch(), out, err, env);
  o.out = out.str();
  o.err = err.str();
  return o;
}

http_reply reply(unsigned status, std::string body) { return http_reply{status, std::move(body)}; }

http_reply drain_answer(uint64_t replicas) {
  return reply(200, R"({"node":{"id":2,"alive":true,"draining":true,"replicas":)" + std::to_string(replicas) +
                        R"(,"leaders":1,"bytes":0,"moves_in_flight":0}})");
}

http_reply cluster(uint64_t replicas, int moves_off, bool draining = true) {
  std::string moves;
  for (int i = 0; i < moves_off; ++i)
    moves += std::string(i ? "," : "") + R"({"segment":)" + std::to_string(10 + i) +
             R"(,"from_node":2,"to_node":3,"kind":"drain","state":"ordered","age_ms":100})";
  return reply(200, R"({"nodes":[{"id":1,"alive":true,"draining":false},{"id":2,"alive":true,"draining":)" +
                        std::string(draining ? "true" : "false") + R"(}],"moves":[)" + moves +
                        R"(],"node_loads":[{"id":1,"replicas":4},{"id":2,"replicas":)" + std::to_string(replicas) +
                        "}]}");
}

TEST(node_runner, drain_and_undrain_send_post_and_delete) {
  scripted_router r{{drain_answer(5), reply(200, R"({"node":{"id":2,"draining":false,"replicas":5,"leaders":1,)"
                                                 R"("moves_in_flight":0}})")}};
  auto drained = run({"node", "drain", "2"}, r);
  EXPECT_EQ(drained.code, 0);
  EXPECT_EQ(drained.out, "node 2 draining: 5 replicas, 1 leaders, 0 moves in flight\n");
  auto undrained = run({"node", "undrain", "2"}, r);
  EXPECT_EQ(undrained.code, 0);
  EXPECT_EQ(undrained.out, "node 2 not draining: 5 replicas, 1 leaders, 0 moves in flight\n");
  ASSERT_EQ(r.calls.size(), 2u);
  EXPECT_EQ(r.calls[0], (api_call{"POST", "/v1/nodes/2/drain", {}}));
  EXPECT_EQ(r.calls[1], (api_call{"DELETE", "/v1/nodes/2/drain", {}}));
}

TEST(node_runner, unknown_node_exits_3) {
  scripted_router r{{reply(404, R"({"error":{"code":"not_found","message":"no node 9"}})")}};
  auto o = run({"node", "drain", "9", "--wait"}, r);
  EXPECT_EQ(o.code, 3);
  EXPECT_EQ(o.err, "error: not_found: no node 9\n");
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(r.calls.size(), 1u);  // no polling
}

TEST(node_runner, wait_polls_until_no_replica_and_no_move_off_the_node) {
  scripted_router r{{drain_answer(4), cluster(4, 2), cluster(3, 2), cluster(1, 1), cluster(0, 1), cluster(0, 0)}};
  auto o = run({"node", "drain", "2", "--wait"}, r);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(r.calls.size(), 6u);
  EXPECT_EQ(r.calls[1], (api_call{"GET", "/v1/cluster", {}}));
  EXPECT_EQ(o.slept, 4 * node_poll_interval);
  EXPECT_EQ(o.out, "node 2 drained: 4 replicas moved off in 1.0s\n");
  // Not a terminal: one whole line per change, no carriage return.
  EXPECT_EQ(o.err.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 5);
  EXPECT_NE(o.err.find("drain node 2  [------------------------]    0%  0/4 moved, 4 left  2 moves in flight"),
            std::string::npos) << o.err;
  EXPECT_NE(o.err.find("drain node 2  [##################------]   75%  3/4 moved, 1 left  1 move in flight"),
            std::string::npos) << o.err;
  EXPECT_NE(o.err.find("   99%  4/4 moved, 0 left  1 move in flight"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("  100%  4/4 moved, 0 left  0 moves in flight  1.0s\n"), std::string::npos) << o.err;
}

TEST(node_runner, wait_on_a_terminal_redraws_one_line) {
  scripted_router r{{drain_answer(2), cluster(2, 1), cluster(2, 1), cluster(1, 1), cluster(0, 0)}};
  auto o = run({"node", "drain", "2", "--wait"}, r, true);
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\r'), 4);  // every poll, the clock moves
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1);  // once, at the end
  EXPECT_EQ(o.err.back(), '\n');
}

TEST(node_runner, json_wait_prints_events_and_a_summary_on_stdout) {
  scripted_router r{{drain_answer(2), cluster(2, 1), cluster(2, 1), cluster(0, 0)}};
  auto o = run({"--json", "node", "drain", "2", "--wait"}, r);
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.err, "");
  std::istringstream lines(o.out);
  std::vector<json_value> events;
  for (std::string line; std::getline(lines, line);) {
    auto v = json_value::parse(line);
    ASSERT_TRUE(v) << line;
    events.push_back(*v);
  }
  ASSERT_EQ(events.size(), 3u);  // two changes, then the summary
  EXPECT_EQ(events[0].find("event")->text(), "progress");
  EXPECT_EQ(events[0].find("replicas")->text(), "2");
  EXPECT_EQ(events[1].find("percent")->text(), "100");
  EXPECT_EQ(events[2].to_json(),
            R"({"event":"summary","node":2,"drained":true,"initial_replicas":2,"replicas":0,)"
            R"("moves_in_flight":0,"seconds":0.5,"exit_code":0})");
}

TEST(node_runner, timeout_exits_5_and_says_what_is_left) {
  scripted_router r{{drain_answer(3)}};
  r.last_cluster = cluster(1, 1);  // stuck: a replica with no legal replacement
  auto o = run({"--json", "node", "drain", "2", "--wait", "--timeout", "2s"}, r);
  EXPECT_EQ(o.code, 5);
  EXPECT_EQ(o.slept, 2000ms);  // polls every 250 ms until the deadline
  EXPECT_NE(o.err.find("error: timeout: node 2 still holds 1 replica (1 move in flight) after 2.0s"),
            std::string::npos) << o.err;
  EXPECT_NE(o.out.find(R"({"event":"summary","node":2,"drained":false,"initial_replicas":3,"replicas":1,)"
                       R"("moves_in_flight":1,"seconds":2.0,"exit_code":5})"),
            std::string::npos) << o.out;
}

TEST(node_runner, transient_failures_are_polled_through) {
  scripted_router r{{drain_answer(1), make_error(errc::unavailable, "connection refused"),
                     reply(503, R"({"error":{"code":"unavailable","message":"placement did not answer"}})"),
                     cluster(0, 0)}};
  auto o = run({"node", "drain", "2", "--wait"}, r);
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(r.calls.size(), 4u);
  // ... until the deadline, then the last failure is in the message.
  scripted_router down{{drain_answer(1)}};
  down.last_cluster = reply(503, R"({"error":{"code":"unavailable","message":"placement did not answer"}})");
  auto late = run({"node", "drain", "2", "--wait", "--timeout", "1"}, down);
  EXPECT_EQ(late.code, 5);
  EXPECT_NE(late.err.find("last poll: error: unavailable: placement did not answer"), std::string::npos) << late.err;
}

TEST(node_runner, cancelled_drain_exits_4_and_vanished_node_3) {
  scripted_router r{{drain_answer(2), cluster(2, 1), cluster(2, 0, false)}};
  auto o = run({"node", "drain", "2", "--wait"}, r);
  EXPECT_EQ(o.code, 4);
  EXPECT_NE(o.err.find("error: drain_cancelled: node 2 is no longer draining"), std::string::npos) << o.err;
  scripted_router gone{{drain_answer(2), reply(200, R"({"nodes":[{"id":1}],"node_loads":[{"id":1}]})")}};
  auto g = run({"node", "drain", "2", "--wait"}, gone);
  EXPECT_EQ(g.code, 3);
  EXPECT_NE(g.err.find("error: not_found: node 2 left the cluster"), std::string::npos) << g.err;
  scripted_router bad{{drain_answer(2), reply(400, R"({"error":{"code":"invalid_argument","message":"x"}})")}};
  EXPECT_EQ(run({"node", "drain", "2", "--wait"}, bad).code, 2);
}

TEST(node_runner, nodes_shows_load_draining_and_moves) {
  scripted_router r{{reply(200, R"({"nodes":[{"id":1,"address":"127.0.0.1:7001","labels":{"rack":"r1"},)"
                                R"("alive":true,"draining":false},{"id":2,"address":"127.0.0.1:7002",)"
                                R"("labels":{"rack":"r2"},"alive":true,"draining":true}],)"
                                R"("moves":[{"segment":10,"from_node":2,"to_node":1,"kind":"drain",)"
                                R"("state":"target_hosting","age_ms":1420,"reason":"replica on draining node"}],)"
                                R"("node_loads":[{"id":1,"replicas":6,"leaders":3,"bytes":1024,)"
                                R"("moves_in_flight":1},{"id":2,"replicas":1,"leaders":0,"bytes":0,)"
                                R"("moves_in_flight":1}]})")}};
  auto o = run({"nodes"}, r);
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(r.calls.at(0), (api_call{"GET", "/v1/cluster", {}}));
  EXPECT_EQ(o.out,
            "NODE  ADDRESS         RACK  ALIVE  DRAINING  REPLICAS  LEADERS  BYTES  MOVES\n"
            "1     127.0.0.1:7001  r1    yes    no        6         3        1024   1\n"
            "2     127.0.0.1:7002  r2    yes    yes       1         0        0      1\n"
            "\n"
            "SEGMENT  KIND   STATE           FROM  TO  AGE   REASON\n"
            "10       drain  target_hosting  2     1   1.4s  replica on draining node\n");
}

TEST(node_runner, parser_checks_ids_and_durations) {
  for (auto bad : std::vector<std::vector<std::string>>{{"ropectl", "node", "drain", "0"},
                                                         {"ropectl", "node", "drain", "-1"},
                                                         {"ropectl", "node", "drain", "x"},
                                                         {"ropectl", "node", "drain", "2", "--timeout", "5m"},
                                                         {"ropectl", "node", "drain", "2", "--wait", "--timeout", "0"},
                                                         {"ropectl", "node", "drain", "2", "--wait", "--timeout", "5d"},
                                                         {"ropectl", "node"}}) {
    auto p = parse_args(bad, nullptr);
    EXPECT_EQ(p.exit_code, exit_usage) << bad.back();
    EXPECT_FALSE(p.args);
  }
  auto p = parse_args({"ropectl", "--timeout", "3", "node", "drain", "18446744073709551615", "--wait", "--timeout",
                       "1.5m"},
                      nullptr);
  ASSERT_TRUE(p.args) << p.err;
  EXPECT_EQ(p.args->cmd.kind, command_kind::node_drain);
  EXPECT_EQ(p.args->cmd.node.id, 18446744073709551615u);
  EXPECT_TRUE(p.args->cmd.node.wait);
  EXPECT_EQ(p.args->cmd.node.wait_seconds, 90);
  EXPECT_EQ(p.args->global.timeout_seconds, 3);  // per request, before the subcommand
  EXPECT_EQ(parse_args({"ropectl", "node", "drain", "2", "--wait"}, nullptr).args->cmd.node.wait_seconds, 600);
  EXPECT_EQ(parse_args({"ropectl", "node", "undrain", "7"}, nullptr).args->cmd.kind, command_kind::node_undrain);
  EXPECT_EQ(parse_args({"ropectl", "nodes"}, nullptr).args->cmd.kind, command_kind::nodes);
}

}  // namespace
}  // namespace ropekv::ctl
