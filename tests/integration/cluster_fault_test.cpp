// Faults under a write load, through the router's HTTP API, on a real
// cluster (1 placement, 3 owners, 1 router on loopback):
//  - kill -9 of the owner leading the most segments: the longest gap
//    between acknowledged writes after the kill (< 2 s), and every
//    acknowledged write readable afterwards (consistency=strong);
//  - every owner restarted (SIGTERM) one at a time: zero failed client
//    requests, zero lost writes;
//  - placement stopped: reads and writes keep working; restarted on its
//    data dir, /v1/cluster answers again.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "cluster_harness.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

double ms_between(steady::time_point a, steady::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// A client thread writing k<i> = {"i":i} through the router on one
/// keep-alive connection, as fast as answers come. Records every
/// acknowledged write with the time of its success; a failed request (any
/// answer but 200, or no answer) is counted and the same key retried, so
/// a write is either acknowledged or still pending when the load stops.
class write_load {
 public:
  write_load(uint16_t port, std::string table, std::string prefix)
      : port_(port), table_(std::move(table)), prefix_(std::move(prefix)) {}
  ~write_load() { stop(); }

  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  struct ack {
    std::string key;
    uint64_t version = 0;
    steady::time_point at;
  };
  /// Copies, safe while the load runs.
  std::vector<ack> acks() const {
    std::lock_guard lock(mu_);
    return acks_;
  }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }
  size_t acked() const {
    std::lock_guard lock(mu_);
    return acks_.size();
  }
  int connections() const { return connections_; }
  /// Longest gap between consecutive acknowledged writes in [from, to],
  /// counting from `from` itself.
  double longest_gap_ms(steady::time_point from, steady::time_point to) const {
    std::lock_guard lock(mu_);
    double worst = 0;
    steady::time_point last = from;
    for (const auto& a : acks_) {
      if (a.at < from || a.at > to) continue;
      worst = std::max(worst, ms_between(last, a.at));
      last = a.at;
    }
    return std::max(worst, ms_between(last, to));
  }

 private:
  void run() {
    http_client c(port_, 30s);  // the router's own deadline (10 s) answers first
    for (uint64_t i = 0; !stop_;) {
      std::string key = prefix_ + std::to_string(i);
      auto r = c.put("/v1/tables/" + table_ + "/items/" + key, R"({"i":)" + std::to_string(i) + "}");
      auto now = steady::now();
      std::lock_guard lock(mu_);
      if (r.status == 200) {
        acks_.push_back({key, r.json()["version"].GetUint64(), now});
        ++i;
      } else {
        failures_.push_back(key + ": " + std::to_string(r.status) + " " + r.body);
      }
    }
    connections_ = c.connections();
  }

  uint16_t port_;
  std::string table_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<ack> acks_;
  std::vector<std::string> failures_;
  std::thread thread_;
};

class cluster_fault : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.start());
    ASSERT_TRUE(cluster_.create_table("load", R"({"hash_key":"id"})"));
  }

  /// Every acknowledged write reads back (strong) with its value; a later
  /// version is fine only if... none exist: every key is written once.
  void expect_all_readable(const write_load& load) {
    http_client c(cluster_.router_port(), 30s);
    size_t lost = 0;
    for (const auto& a : load.acks()) {
      auto r = c.get("/v1/tables/load/items/" + a.key + "?consistency=strong");
      if (r.status != 200) {
        if (++lost <= 5) ADD_FAILURE() << "acknowledged write " << a.key << " unreadable: " << r.status << ' ' << r.body;
        continue;
      }
      auto d = r.json();
      EXPECT_EQ(d["version"].GetUint64(), a.version) << a.key;
    }
    EXPECT_EQ(lost, 0u) << "of " << load.acked() << " acknowledged writes";
  }

  /// Owner index leading the most segments of `table`, per /v1/cluster.
  int busiest_leader(const std::string& table, size_t* led = nullptr) {
    auto segs = cluster_.segments(table);
    if (!segs) return -1;
    std::map<uint64_t, size_t> count;
    for (const auto& s : *segs) ++count[s.leader_hint];
    auto most = std::max_element(count.begin(), count.end(), [](auto& a, auto& b) { return a.second < b.second; });
    if (most == count.end()) return -1;
    if (led) *led = most->second;
    return cluster_.index_of(most->first);
  }

  /// The restarted owner `node` is back: alive in /v1/cluster, and every
  /// segment of `table` led by a live node with a write going through.
  ::testing::AssertionResult caught_up(uint64_t node, std::chrono::milliseconds bound) {
    auto t0 = steady::now();
    while (steady::now() - t0 < bound) {
      auto alive = cluster_.alive_nodes();
      if (std::find(alive.begin(), alive.end(), node) != alive.end()) break;
      std::this_thread::sleep_for(100ms);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(bound - (steady::now() - t0));
    if (left.count() <= 0) return ::testing::AssertionFailure() << "node " << node << " not alive again";
    return cluster_.wait_writable("load", left);
  }

  cluster_harness cluster_;
};

TEST_F(cluster_fault, kill9_of_the_busiest_leader_under_load_resumes_writes_within_2s) {
  write_load load(cluster_.router_port(), "load", "k");
  load.start();
  std::this_thread::sleep_for(1500ms);
  size_t led = 0;
  int victim = busiest_leader("load", &led);
  ASSERT_GE(victim, 0) << "no leader hints in /v1/cluster";
  const size_t before = load.acked();
  ASSERT_GT(before, 0u) << "the load wrote nothing before the kill";

  auto killed = steady::now();
  cluster_.kill9_owner(static_cast<unsigned>(victim));
  // Run the load long enough to see it recover and carry on.
  while (steady::now() - killed < 6s) std::this_thread::sleep_for(100ms);
  auto end = steady::now();
  load.stop();

  double gap = load.longest_gap_ms(killed, end);
  std::cout << "[ measure  ] kill -9 of owner " << victim + 1 << " (node " << cluster_.node_of(victim) << ", leading "
            << led << " segments): longest gap between acknowledged writes " << gap << " ms; " << before
            << " writes before, " << load.acked() - before << " in the 6 s after; " << load.failures().size()
            << " failed requests\n";
  for (const auto& f : load.failures()) std::cout << "[ failure  ] " << f.substr(0, 200) << '\n';
  EXPECT_GT(load.acked(), before + 10) << "writes did not resume";
  EXPECT_LT(gap, 2000.0) << "writes paused for longer than 2 s after the kill";
  expect_all_readable(load);
}

TEST_F(cluster_fault, rolling_restart_under_load_fails_no_request_and_loses_no_write) {
  write_load load(cluster_.router_port(), "load", "r");
  load.start();
  std::this_thread::sleep_for(1s);
  for (unsigned i = 0; i < cluster_.owners(); ++i) {
    const uint64_t node = cluster_.node_of(i);
    auto t0 = steady::now();
    const size_t before = load.acked();
    EXPECT_EQ(cluster_.stop_owner(i), 0) << "owner " << i + 1 << " did not exit cleanly on SIGTERM";
    auto stopped = steady::now();
    ASSERT_TRUE(cluster_.start_owner(i));
    ASSERT_EQ(cluster_.node_of(i), node) << "a restarted owner keeps its node id";
    ASSERT_TRUE(caught_up(node, 60s)) << "owner " << i + 1;
    std::cout << "[ measure  ] owner " << i + 1 << ": stop " << ms_between(t0, stopped) << " ms, back and every segment "
              << "writable after " << ms_between(t0, steady::now()) << " ms; longest write gap "
              << load.longest_gap_ms(t0, steady::now()) << " ms; " << load.acked() - before << " writes meanwhile\n";
  }
  std::this_thread::sleep_for(1s);
  load.stop();
  std::cout << "[ measure  ] rolling restart: " << load.acked() << " acknowledged writes, " << load.failures().size()
            << " failed requests, " << load.connections() << " client connection(s)\n";
  for (const auto& f : load.failures()) std::cout << "[ failure  ] " << f.substr(0, 200) << '\n';
  EXPECT_EQ(load.failures().size(), 0u) << "failed requests during the rolling restart";
  EXPECT_GT(load.acked(), 50u);
  expect_all_readable(load);
  EXPECT_EQ(cluster_.alive_nodes().size(), cluster_.owners());
}

TEST_F(cluster_fault, with_placement_down_the_data_path_keeps_serving) {
  write_load load(cluster_.router_port(), "load", "p");
  load.start();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(cluster_.stop_placement(), 0) << "placement did not exit cleanly on SIGTERM";
  auto down = steady::now();
  const size_t before = load.acked();
  http_client c(cluster_.router_port(), 20s);
  // Reads of what was written, while placement is down.
  auto acks = load.acks();
  ASSERT_FALSE(acks.empty());
  for (size_t i = 0; i < acks.size(); i += std::max<size_t>(1, acks.size() / 50)) {
    auto r = c.get("/v1/tables/load/items/" + acks[i].key);
    EXPECT_EQ(r.status, 200u) << acks[i].key << ": " << r.body;
  }
  while (steady::now() - down < 4s) std::this_thread::sleep_for(100ms);
  auto cl = c.get("/v1/cluster");
  EXPECT_EQ(cl.status, 503u) << "placement is down: " << cl.body;
  EXPECT_EQ(c.get("/healthz").status, 200u);
  const size_t during = load.acked() - before;
  std::cout << "[ measure  ] placement down 4 s: " << during << " writes acknowledged, longest gap "
            << load.longest_gap_ms(down, steady::now()) << " ms, " << load.failures().size() << " failed requests\n";
  EXPECT_GT(during, 10u) << "writes stalled with placement down";

  ASSERT_TRUE(cluster_.start_placement());
  auto up = steady::now();
  bool answers = false;
  while (!answers && steady::now() - up < 30s) {
    answers = c.get("/v1/cluster").status == 200 && cluster_.alive_nodes().size() == cluster_.owners();
    if (!answers) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(answers) << "/v1/cluster did not answer (with every owner alive) after placement restarted";
  std::cout << "[ measure  ] /v1/cluster answered with all owners alive " << ms_between(up, steady::now())
            << " ms after placement restarted\n";
  EXPECT_EQ(c.put("/v1/tables/after_restart", R"({"hash_key":"id"})").status, 201u) << "admin path back";
  load.stop();
  for (const auto& f : load.failures()) std::cout << "[ failure  ] " << f.substr(0, 200) << '\n';
  EXPECT_EQ(load.failures().size(), 0u);
  expect_all_readable(load);
}

}  // namespace
}  // namespace ropekv::integration
