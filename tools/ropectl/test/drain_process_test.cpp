// End to end for node drain: the real ropectl binary against ropekv-dev
// with four owners (racks r1..r4, so a replication-3 table keeps three
// racks while one node drains), on 127.0.0.1 with ports it picks, on a temp
// data dir, started once for the suite and stopped by PID. A table with
// eight segments spreads about six replicas on each node; `node drain ID
// --wait` must end with that node holding none -- under a pseudo-terminal
// (the progress line redrawn) and with --json (events and a summary).
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "dev_cluster.hpp"
#include "json_value.hpp"
#include "pty_process.hpp"
#include "subprocess.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;
using test::process_result;
using test_support::temp_dir;

class drain_process_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new test::dev_cluster({"--owners=4"}, [](const std::string& url) {
      router_ = url;
      return ropectl({"health"}).exit_code == 0;
    });
    router_ = cluster_->router();
    dir_ = &cluster_->dir();
  }
  static void TearDownTestSuite() {
    delete cluster_;  // SIGTERM by PID, then SIGKILL if it lingers
  }
  void SetUp() override { ASSERT_FALSE(router_.empty()) << "ropekv-dev did not start"; }

  static process_result ropectl(std::vector<std::string> args) {
    args.insert(args.begin(), {ROPECTL_BINARY, "--router", router_});
    return test::run_process(args, {}, {}, {"ROPEKV_ROUTER"}, 180s);
  }

  static json_value cluster() {
    auto r = ropectl({"--json", "cluster"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto v = json_value::parse(r.out);
    EXPECT_TRUE(v) << r.out;
    return v ? *v : json_value();
  }

  /// node_loads[].replicas of `node`, and its nodes[].draining flag.
  static std::pair<uint64_t, bool> load_of(uint64_t node) {
    json_value c = cluster();
    std::pair<uint64_t, bool> out{~uint64_t{0}, false};
    for (const auto& l : c.find("node_loads")->elements())
      if (l.find("id")->as_uint64() == node) out.first = *l.find("replicas")->as_uint64();
    for (const auto& n : c.find("nodes")->elements())
      if (n.find("id")->as_uint64() == node) out.second = n.find("draining")->as_bool();
    return out;
  }

  /// Creates the table once; waits until every node holds replicas.
  static void create_table() {
    if (table_created_) return;
    process_result r;
    for (int i = 0; i < 50 && (r = ropectl({"tables", "create", "drained", "--hash-key", "id", "--segments", "8"}))
                                  .exit_code != 0;
         ++i)
      std::this_thread::sleep_for(200ms);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (uint64_t node = 1; node <= 4; ++node) ASSERT_GT(load_of(node).first, 0u) << "node " << node;
    table_created_ = true;
  }

  static inline temp_dir* dir_ = nullptr;
  static inline test::dev_cluster* cluster_ = nullptr;
  static inline std::string router_;
  static inline bool table_created_ = false;
};

std::vector<std::string> split_updates(const std::string& output) {
  std::vector<std::string> updates;
  std::string current;
  for (char c : output) {
    if (c == '\r' || c == '\n') {
      if (!current.empty()) updates.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) updates.push_back(current);
  return updates;
}

TEST_F(drain_process_test, drain_wait_on_a_terminal_redraws_until_the_node_is_empty) {
  create_table();
  auto before = load_of(2);
  ASSERT_GT(before.first, 0u);
  auto r = test::run_in_pty({ROPECTL_BINARY, "node", "drain", "2", "--wait", "--timeout", "2m"},
                            {"ROPEKV_ROUTER=" + router_}, {"ROPEKV_ROUTER"}, 150s);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  size_t drawn = 0;
  for (const auto& u : split_updates(r.output)) drawn += u.starts_with("drain node 2  [");
  EXPECT_GE(drawn, 2u) << r.output;  // redrawn in place while replicas move
  EXPECT_NE(r.output.find("\rdrain node 2  ["), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  100%  "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" left  0 moves in flight"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("node 2 drained: "), std::string::npos) << r.output;
  auto after = load_of(2);
  EXPECT_EQ(after.first, 0u);
  EXPECT_TRUE(after.second);
  // `nodes` shows the flag and the empty node.
  auto nodes = ropectl({"nodes"});
  ASSERT_EQ(nodes.exit_code, 0) << nodes.err;
  std::istringstream lines(nodes.out);
  std::string header, row;
  std::getline(lines, header);
  EXPECT_TRUE(header.starts_with("NODE  ADDRESS")) << nodes.out;
  while (std::getline(lines, row) && !row.starts_with("2 ")) {}
  EXPECT_NE(row.find(" yes    yes       0 "), std::string::npos) << nodes.out;  // alive, draining, 0 replicas
  // Undrained, the node takes replicas again (balance, kind join).
  auto undrain = ropectl({"node", "undrain", "2"});
  EXPECT_EQ(undrain.exit_code, 0) << undrain.err;
  EXPECT_TRUE(undrain.out.starts_with("node 2 not draining: ")) << undrain.out;
  EXPECT_FALSE(load_of(2).second);
}

TEST_F(drain_process_test, drain_wait_json_prints_events_and_a_summary) {
  create_table();
  // Node 3, with node 2 accepting replicas again (an earlier test may have drained it).
  ASSERT_EQ(ropectl({"node", "undrain", "2"}).exit_code, 0);
  ASSERT_GT(load_of(3).first, 0u);
  auto r = ropectl({"--json", "node", "drain", "3", "--wait", "--timeout", "2m"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(r.err, "");
  std::vector<json_value> events;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    auto v = json_value::parse(line);
    ASSERT_TRUE(v) << "not JSON: " << line;
    events.push_back(*v);
  }
  ASSERT_GE(events.size(), 2u) << r.out;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    EXPECT_EQ(events[i].find("event")->text(), "progress") << events[i].to_json();
    EXPECT_EQ(events[i].find("node")->text(), "3");
  }
  EXPECT_GT(*events.front().find("replicas")->as_uint64(), 0u) << r.out;
  EXPECT_EQ(events[events.size() - 2].find("percent")->text(), "100");
  const json_value& summary = events.back();
  EXPECT_EQ(summary.find("event")->text(), "summary");
  EXPECT_TRUE(summary.find("drained")->as_bool());
  EXPECT_EQ(summary.find("replicas")->text(), "0");
  EXPECT_GT(*summary.find("initial_replicas")->as_uint64(), 0u);
  EXPECT_EQ(summary.find("exit_code")->text(), "0");
  EXPECT_EQ(load_of(3).first, 0u);
  EXPECT_EQ(ropectl({"node", "undrain", "3"}).exit_code, 0);
}

TEST_F(drain_process_test, unknown_node_exits_3) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"node", "drain", "99", "--wait"}, {"node", "drain", "99"}, {"node", "undrain", "99"}}) {
    auto r = ropectl(args);
    EXPECT_EQ(r.exit_code, 3) << args.size() << ": " << r.err;
    EXPECT_TRUE(r.err.starts_with("error: not_found: ")) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace ropekv::ctl
