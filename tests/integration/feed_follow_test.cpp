// A WebSocket subscriber that rides through what changes the rope and the
// processes under its feed -- a kill -9 of the segment's leader, a move of
// every replica to other owners (repair after kill -9), a split of its
// segment, and a kill -9 of its notifier (it resumes from its last token on
// another one) -- receives every acknowledged write, in per-key version
// order, checked against the writer's log (DESIGN §7, docs/notifier.md).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "ws_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;

/// Updates keys f0..f{keys-1} round-robin as fast as answers come, and
/// logs every acknowledged (key, version).
class writer {
 public:
  writer(uint16_t port, unsigned keys) : port_(port), keys_(keys) {}
  ~writer() { stop(); }
  void start() {
    thread_ = std::thread([this] {
      http_client c(port_, 15s);
      for (uint64_t n = 0; !stop_; ++n) {
        std::string key = "f" + std::to_string(n % keys_);
        auto r = c.put("/v1/tables/follow/items/" + key, R"({"n":)" + std::to_string(n) + "}");
        if (r.status != 200) {
          std::this_thread::sleep_for(20ms);
          continue;
        }
        std::lock_guard lock(mu_);
        acked_[key].push_back(r.json()["version"].GetUint64());
      }
    });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::map<std::string, std::vector<uint64_t>> acked() const {
    std::lock_guard lock(mu_);
    return acked_;
  }
  size_t count() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (auto& [k, v] : acked_) n += v.size();
    return n;
  }

 private:
  uint16_t port_;
  unsigned keys_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::map<std::string, std::vector<uint64_t>> acked_;
  std::thread thread_;
};

/// Subscribes to the table on the first notifier that answers; when its
/// connection breaks, resumes from the last token on whichever answers.
class subscriber {
 public:
  explicit subscriber(cluster_harness& cluster) : cluster_(cluster) {}
  ~subscriber() { stop(); }
  void start() {
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// Received (key, version) in arrival order, duplicates included.
  std::vector<std::pair<std::string, uint64_t>> received() const {
    std::lock_guard lock(mu_);
    return received_;
  }
  int reconnects() const { return reconnects_; }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  void run() {
    std::string token;
    while (!stop_) {
      std::unique_ptr<ws_client> ws;
      for (unsigned i = 0; i < cluster_.notifiers() && !ws; ++i) {
        if (!cluster_.notifier_running(i)) continue;
        try {
          ws = std::make_unique<ws_client>(cluster_.notifier_port(i));
        } catch (const std::exception&) {
        }
      }
      if (!ws) {
        std::this_thread::sleep_for(100ms);
        continue;
      }
      std::string from = token.empty() ? "now" : token;
      ws->send(R"({"op":"subscribe","id":"f","table":"follow","from":")" + from + "\"}");
      while (!stop_) {
        auto d = ws->read_json(200ms);
        if (!d.IsObject()) {
          if (ws->closed()) break;
          continue;
        }
        std::string op = d["op"].GetString();
        if (op == "subscribed") {
          std::lock_guard lock(mu_);
          subscribed_ = true;
          if (token.empty()) token = d["token"].GetString();
        } else if (op == "event") {
          std::lock_guard lock(mu_);
          received_.emplace_back(d["hash_key"].GetString(), d["version"].GetUint64());
          token = d["token"].GetString();
        } else if (op == "error") {
          std::lock_guard lock(mu_);
          errors_.push_back(d["code"].GetString());
          if (d.HasMember("token")) token = d["token"].GetString();
        }
      }
      ++reconnects_;
    }
  }

 public:
  bool subscribed() const {
    std::lock_guard lock(mu_);
    return subscribed_;
  }

 private:
  cluster_harness& cluster_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reconnects_{0};
  mutable std::mutex mu_;
  bool subscribed_ = false;
  std::vector<std::pair<std::string, uint64_t>> received_;
  std::vector<std::string> errors_;
  std::thread thread_;
};

template <class Pred>
bool wait_for(std::chrono::milliseconds bound, Pred pred) {
  auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return pred();
}

TEST(feed_follow, a_subscriber_gets_every_acknowledged_write_through_kills_moves_splits_and_a_notifier_restart) {
  cluster_options o;
  o.owners = 6;
  o.notifiers = 2;
  o.down_after = "2s";
  cluster_harness cluster(o);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.create_table("follow", R"({"hash_key":"id","segments":1})"));
  auto segs = cluster.segments("follow");
  ASSERT_TRUE(segs && segs->size() == 1);
  auto original = segs->front().replicas;

  subscriber sub(cluster);
  sub.start();
  ASSERT_TRUE(wait_for(20s, [&] { return sub.subscribed(); }));
  writer w(cluster.router_port(), 40);
  w.start();
  auto progress = [&](size_t more) {
    size_t target = w.count() + more;
    return wait_for(30s, [&] { return w.count() >= target; });
  };
  ASSERT_TRUE(progress(200));

  // 1. kill -9 of the segment's leader, and then of every other original
  //    replica: placement repairs each onto a fresh owner, so in the end
  //    no replica is where it was.
  auto leader_first = original;
  auto hint = cluster.segments("follow")->front().leader_hint;
  std::stable_partition(leader_first.begin(), leader_first.end(), [&](uint64_t n) { return n == hint; });
  for (uint64_t node : leader_first) {
    int idx = cluster.index_of(node);
    ASSERT_GE(idx, 0);
    cluster.kill9_owner(static_cast<unsigned>(idx));
    ASSERT_TRUE(wait_for(60s, [&] {
      auto s = cluster.segments("follow");
      if (!s || s->empty()) return false;
      for (auto& seg : *s) {
        if (std::find(seg.replicas.begin(), seg.replicas.end(), node) != seg.replicas.end()) return false;
        if (seg.replicas.size() < 3) return false;
      }
      return true;
    })) << "no repair away from node " << node;
    ASSERT_TRUE(cluster.wait_writable("follow"));
    ASSERT_TRUE(progress(100));
  }
  for (auto& seg : *cluster.segments("follow")) {
    for (uint64_t n : seg.replicas) {
      EXPECT_EQ(std::count(original.begin(), original.end(), n), 0) << "replica still on node " << n;
    }
  }

  // 2. a split of the segment (placement referees it; the leader splits
  //    through its log): the halves continue the parent's feed.
  {
    http_client admin(cluster.router_port());
    auto split = admin.post("/v1/tables/follow/split", R"({"at_hash_key":"f20"})");
    ASSERT_EQ(split.status, 200u) << split.body;
    auto j = split.json();
    EXPECT_NE(j["left"]["id"].GetUint64(), j["right"]["id"].GetUint64());
  }
  ASSERT_TRUE(wait_for(30s, [&] {
    auto s = cluster.segments("follow");
    return s && s->size() == 2;
  }));
  ASSERT_TRUE(cluster.wait_writable("follow"));
  ASSERT_TRUE(progress(200));

  // 3. kill -9 of the notifier the subscriber uses: it resumes elsewhere.
  int before = sub.reconnects();
  cluster.kill9_notifier(0);
  ASSERT_TRUE(wait_for(20s, [&] { return sub.reconnects() > before; }));
  ASSERT_TRUE(progress(200));
  ASSERT_TRUE(cluster.start_notifier(0));

  w.stop();
  auto acked = w.acked();
  size_t total = 0;
  for (auto& [k, v] : acked) total += v.size();
  // Everything acknowledged arrives.
  auto all_in = [&] {
    std::set<std::pair<std::string, uint64_t>> got;
    for (auto& e : sub.received()) got.insert(e);
    for (auto& [k, versions] : acked) {
      for (uint64_t v : versions) {
        if (!got.count({k, v})) return false;
      }
    }
    return true;
  };
  EXPECT_TRUE(wait_for(60s, all_in)) << "acknowledged writes missing from the feed";
  sub.stop();

  std::map<std::string, std::vector<uint64_t>> per_key;
  std::set<std::pair<std::string, uint64_t>> seen;
  for (auto& [k, v] : sub.received()) {
    if (!seen.insert({k, v}).second) continue;  // at-least-once: de-duplicate
    per_key[k].push_back(v);
  }
  for (auto& [k, versions] : per_key) {
    EXPECT_TRUE(std::is_sorted(versions.begin(), versions.end())) << "versions of " << k << " out of order";
  }
  size_t missing = 0;
  for (auto& [k, versions] : acked) {
    for (uint64_t v : versions) missing += seen.count({k, v}) ? 0 : 1;
  }
  EXPECT_EQ(missing, 0u) << "of " << total << " acknowledged writes";
  std::cerr << "feed_follow: " << total << " acknowledged writes, " << sub.received().size()
            << " events received (" << seen.size() << " distinct), " << sub.reconnects() << " reconnects\n";
}

}  // namespace
}  // namespace ropekv::integration
