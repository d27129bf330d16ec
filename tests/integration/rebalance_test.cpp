// The rope's agency end to end (DESIGN §6), through the router's HTTP API,
// while a client writes and reads continuously and counts every failed
// request:
//  1. 3 owners hold a 6-segment table; a replication-5 table is reported
//     under_replicated and a strict one is refused (409 under_replicated);
//  2. 2 more owners join (owners 4 and 5 were started, then killed before
//     any table existed, so they come back empty: placement treats them as
//     joins) → replicas flow to them until every node is in the band, the
//     replication-5 table is no longer under-replicated, zero failures;
//  3. one owner is drained → it ends with zero replicas, zero failures,
//     every item still readable;
//  4. one owner is killed (-9) past down_after → every segment is back to 3
//     replicas on distinct racks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster_harness.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int preloaded = 300;

/// One client thread alternating a write of a new key and a read of a
/// preloaded one, on one keep-alive connection. A request fails when the
/// answer is not 200 (the router retries internally within its deadline).
class mixed_load {
 public:
  explicit mixed_load(uint16_t port) : port_(port) {}
  ~mixed_load() { stop(); }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t requests() const { return requests_; }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }
  std::vector<std::string> written() const {
    std::lock_guard lock(mu_);
    return written_;
  }

 private:
  void run() {
    http_client c(port_, 30s);
    for (uint64_t i = 0; !stop_; ++i) {
      std::string key = "w" + std::to_string(i);
      auto w = c.put("/v1/tables/load/items/" + key, R"({"w":)" + std::to_string(i) + "}");
      auto r = c.get("/v1/tables/load/items/p" + std::to_string(i % preloaded));
      requests_ += 2;
      std::lock_guard lock(mu_);
      if (w.status == 200) written_.push_back(key);
      else failures_.push_back("put " + key + ": " + std::to_string(w.status) + " " + w.body);
      if (r.status != 200) failures_.push_back("get p" + std::to_string(i % preloaded) + ": " + std::to_string(r.status) + " " + r.body);
    }
  }

  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> requests_{0};
  mutable std::mutex mu_;
  std::vector<std::string> failures_;
  std::vector<std::string> written_;
  std::thread thread_;
};

class rebalance : public ::testing::Test {
 protected:
  rebalance() : cluster_(options()) {}

  static cluster_options options() {
    cluster_options o;
    o.owners = 5;
    o.down_after = "4s";
    return o;
  }

  /// Node id -> its object in /v1/cluster "node_loads".
  std::map<uint64_t, std::map<std::string, double>> loads() {
    std::map<uint64_t, std::map<std::string, double>> out;
    auto c = cluster_.cluster();
    if (!c) return out;
    for (const auto& l : (*c)["node_loads"].GetArray()) {
      auto& m = out[l["id"].GetUint64()];
      m["replicas"] = l["replicas"].GetUint64();
      m["leaders"] = l["leaders"].GetUint64();
      m["within_band"] = l["within_band"].GetBool();
      m["draining"] = l["draining"].GetBool();
      m["alive"] = l["alive"].GetBool();
    }
    return out;
  }

  /// Moves in flight and whether placement calls the cluster balanced.
  std::pair<size_t, bool> moves_and_balance() {
    auto c = cluster_.cluster();
    if (!c) return {SIZE_MAX, false};
    return {(*c)["moves"].GetArray().Size(), (*c)["balance"]["balanced"].GetBool()};
  }

  bool poll(std::chrono::milliseconds bound, const std::function<bool()>& done) {
    auto until = steady::now() + bound;
    while (steady::now() < until) {
      if (done()) return true;
      std::this_thread::sleep_for(250ms);
    }
    return done();
  }

  double seconds_since(steady::time_point t) {
    return std::chrono::duration<double>(steady::now() - t).count();
  }

  /// Every segment of `table`: `n` replicas, all alive, on distinct racks.
  bool replicated_on_distinct_racks(const std::string& table, size_t n) {
    auto c = cluster_.cluster();
    auto segs = cluster_.segments(table);
    if (!c || !segs || segs->empty()) return false;
    std::map<uint64_t, std::string> rack;
    for (const auto& node : (*c)["nodes"].GetArray())
      if (node["alive"].GetBool()) rack[node["id"].GetUint64()] = node["labels"]["rack"].GetString();
    for (const auto& s : *segs) {
      std::set<std::string> racks;
      for (uint64_t r : s.replicas)
        if (rack.count(r)) racks.insert(rack[r]);
      if (s.replicas.size() != n || racks.size() != n) return false;
    }
    return true;
  }

  void expect_no_failures(const mixed_load& load, const char* phase) {
    auto f = load.failures();
    EXPECT_TRUE(f.empty()) << phase << ": " << f.size() << " failed client requests, first: " << f.front();
  }

  cluster_harness cluster_;
};

TEST_F(rebalance, joins_drain_loss_and_under_replication) {
  ASSERT_TRUE(cluster_.start());
  // Owners 4 and 5 leave before any table exists: they come back empty.
  cluster_.kill9_owner(3);
  cluster_.kill9_owner(4);
  ASSERT_TRUE(poll(30s, [&] { return cluster_.alive_nodes().size() == 3; }));
  ASSERT_TRUE(cluster_.create_table("load", R"({"hash_key":"id","segments":6})"));
  http_client admin(cluster_.router_port(), 30s);
  for (int i = 0; i < preloaded; ++i)
    ASSERT_EQ(admin.put("/v1/tables/load/items/p" + std::to_string(i), R"({"p":)" + std::to_string(i) + "}").status, 200u);

  // Under-replication on 3 owners: reported, and refused when strict.
  auto strict = admin.put("/v1/tables/strict5", R"({"hash_key":"id","replication":5,"strict":true})");
  EXPECT_EQ(strict.status, 409u) << strict.body;
  EXPECT_EQ(strict.error_code(), "under_replicated") << strict.body;
  EXPECT_EQ(admin.put("/v1/tables/strict5", R"({"hash_key":"id","strict":"yes"})").status, 400u);
  EXPECT_EQ(admin.get("/v1/tables/strict5").status, 404u);
  ASSERT_TRUE(cluster_.create_table("wide", R"({"hash_key":"id","replication":5,"segments":2})"));
  auto wide = admin.get("/v1/tables/wide");
  ASSERT_EQ(wide.status, 200u);
  EXPECT_TRUE(wide.json()["under_replicated"].GetBool()) << wide.body;
  EXPECT_EQ(wide.json()["replicas_short"].GetUint64(), 2u) << wide.body;

  mixed_load load(cluster_.router_port());
  load.start();

  // Joins: replicas flow to the new owners until every node is in band.
  auto joined = steady::now();
  ASSERT_TRUE(cluster_.start_owner(3));
  ASSERT_TRUE(cluster_.start_owner(4));
  uint64_t d = cluster_.node_of(3), e = cluster_.node_of(4);
  bool balanced = poll(120s, [&] {
    auto [moves, ok] = moves_and_balance();
    auto l = loads();
    return moves == 0 && ok && l[d]["replicas"] >= 3 && l[e]["replicas"] >= 3;
  });
  double join_s = seconds_since(joined);
  auto after_join = loads();
  for (auto& [id, l] : after_join)
    std::printf("after join: node %lu replicas %.0f leaders %.0f within_band %.0f\n", id, l["replicas"],
                l["leaders"], l["within_band"]);
  std::printf("rebalance after 2 joins: %.1f s\n", join_s);
  ASSERT_TRUE(balanced) << "not balanced " << join_s << " s after the joins";
  for (auto& [id, l] : after_join) EXPECT_EQ(l["within_band"], 1.0) << "node " << id;
  // Leaders follow: the new owners come to lead their share (8 segments on
  // 5 nodes: every node leads at least one) by leader transfers alone.
  auto spread_from = steady::now();
  bool leaders_spread = poll(60s, [&] {
    auto l = loads();
    return l.size() == 5 && std::all_of(l.begin(), l.end(), [](auto& n) { return n.second["leaders"] >= 1; });
  });
  std::printf("leaders spread %.1f s after balance\n", seconds_since(spread_from));
  EXPECT_TRUE(leaders_spread);
  wide = admin.get("/v1/tables/wide");
  EXPECT_FALSE(wide.json()["under_replicated"].GetBool()) << wide.body;
  EXPECT_EQ(wide.json()["replicas_short"].GetUint64(), 0u) << wide.body;
  expect_no_failures(load, "joins");
  // Five replicas need five accepting racks; it would hold the drain back.
  ASSERT_EQ(admin.del("/v1/tables/wide").status, 200u);

  // Drain: the node ends with no replica, the client sees nothing.
  uint64_t drained = cluster_.node_of(0);
  auto started = admin.post("/v1/nodes/" + std::to_string(drained) + "/drain", "");
  ASSERT_EQ(started.status, 200u) << started.body;
  EXPECT_TRUE(started.json()["node"]["draining"].GetBool());
  EXPECT_EQ(admin.post("/v1/nodes/999999/drain", "").status, 404u);
  EXPECT_EQ(admin.post("/v1/nodes/abc/drain", "").status, 400u);
  EXPECT_EQ(admin.get("/v1/nodes/1/drain").status, 405u);
  auto drain_start = steady::now();
  bool empty = poll(120s, [&] {
    auto l = loads();
    return l[drained]["replicas"] == 0 && moves_and_balance().first == 0;
  });
  std::printf("drain of node %lu: %.1f s\n", drained, seconds_since(drain_start));
  ASSERT_TRUE(empty) << "node " << drained << " still holds " << loads()[drained]["replicas"] << " replicas";
  EXPECT_EQ(loads()[drained]["draining"], 1.0);
  EXPECT_TRUE(replicated_on_distinct_racks("load", 3));
  load.stop();
  expect_no_failures(load, "joins and drain");
  std::printf("client requests during joins and drain: %lu\n", load.requests());
  for (int i = 0; i < preloaded; ++i)
    EXPECT_EQ(admin.get("/v1/tables/load/items/p" + std::to_string(i)).status, 200u) << "p" << i;
  for (const auto& key : load.written())
    EXPECT_EQ(admin.get("/v1/tables/load/items/" + key).status, 200u) << key;

  // Loss: kill -9 an owner that holds replicas; past down_after they are
  // re-created elsewhere, on distinct racks again.
  auto l = loads();
  int victim = -1;
  for (unsigned i = 1; i < cluster_.owners() && victim < 0; ++i)
    if (l[cluster_.node_of(i)]["replicas"] > 0) victim = static_cast<int>(i);
  ASSERT_GE(victim, 0);
  uint64_t lost = cluster_.node_of(victim);
  cluster_.kill9_owner(victim);
  auto killed = steady::now();
  bool repaired = poll(120s, [&] {
    auto segs = cluster_.segments("load");
    if (!segs) return false;
    for (const auto& s : *segs)
      if (std::find(s.replicas.begin(), s.replicas.end(), lost) != s.replicas.end()) return false;
    return replicated_on_distinct_racks("load", 3);
  });
  std::printf("repair after kill -9 of node %lu: %.1f s (down_after 4 s)\n", lost, seconds_since(killed));
  EXPECT_TRUE(repaired);
  for (int i = 0; i < preloaded; i += 7)
    EXPECT_EQ(admin.get("/v1/tables/load/items/p" + std::to_string(i)).status, 200u) << "p" << i;
  auto c = cluster_.cluster();
  ASSERT_TRUE(c);
  for (const auto& [name, n] : (*c)["decisions"].GetObject())
    std::printf("decision %s: %lu\n", name.GetString(), n.GetUint64());
}

}  // namespace
}  // namespace ropekv::integration
