// Retried writes with a request_id apply once, through kill -9 of segment
// leaders in the middle of requests (issue 12, Tests). Writers each own
// counters nobody else writes; every increment is a conditional write
// (if_version of the value it read) with a fresh request_id: a PUT, a
// one-segment transaction or a transaction over two counters in different
// segments. After any answer that does not tell the outcome (no answer in
// time, 5xx, a transaction's 409 conflict) the writer sends the same
// request again, to any router, until it gets one that does. Since nobody
// else writes its counters, a condition failure can only mean a retry ran
// on top of its own first success: never allowed. At the end each counter
// equals the number of acknowledged increments and its version the last
// acknowledged one (no write applied twice, none lost).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "cluster_harness.hpp"
#include "txn_support.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using txn::op;

constexpr auto client_deadline = 400ms;

struct counter {
  std::string key;
  int acked = 0;                  // increments acknowledged to the writer
  uint64_t version = 0;           // the last acknowledged write's version
  std::vector<uint64_t> history;  // acknowledged versions, in order
};

struct shared_state {
  std::atomic<bool> stop{false};
  std::atomic<uint16_t> port{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::atomic<int> acks{0}, retries{0};
  std::atomic<int64_t> slowest_us{0};
  void note_latency(steady::duration d) {
    int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    for (int64_t seen = slowest_us.load(); us > seen && !slowest_us.compare_exchange_weak(seen, us);) {
    }
  }
  void fail(std::string why) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(why));
  }
};

/// One writer: its two counters, a PUT / one-counter transaction / two-counter
/// transaction in turn, each retried with its request_id until the outcome is known.
void run_writer(shared_state& s, std::vector<counter>& mine, int id) {
  std::mt19937 rng(static_cast<unsigned>(id));
  txn::request_ids ids("w" + std::to_string(id));
  // Far shorter than the router's request deadline: during an election a
  // retry overlaps the first attempt, still running inside the router.
  auto client = std::make_unique<http_client>(s.port.load(), client_deadline);
  uint16_t on_port = s.port.load();
  // Sends until an answer tells the outcome; nullopt when the test stops first.
  auto send = [&](std::string_view method, const std::string& target, const std::string& body) -> std::optional<http_reply> {
    auto t0 = steady::now();
    for (int attempt = 0;; ++attempt) {
      if (on_port != s.port.load()) {
        on_port = s.port.load();
        client = std::make_unique<http_client>(on_port, client_deadline);
      }
      auto sent = steady::now();
      auto r = client->request(method, target, body);
      s.note_latency(steady::now() - sent);
      bool conflict = r.status == 409 && r.error_code() == "conflict";
      if (txn::outcome_known(r) && !conflict) return r;
      ++s.retries;
      if (steady::now() - t0 > 90s) {
        s.fail("no outcome in 90 s for " + std::string(method) + " " + target + ": last " +
               std::to_string(r.status) + " " + r.body);
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 + 50 * std::min(attempt, 10)));
    }
  };
  auto read = [&](counter& c) -> bool {
    for (auto t0 = steady::now(); steady::now() - t0 < 90s;) {
      if (on_port != s.port.load()) {
        on_port = s.port.load();
        client = std::make_unique<http_client>(on_port, client_deadline);
      }
      auto g = txn::strong_get(*client, "ctr", c.key);
      if (g.status == 200) {
        if (g.version != c.version || g.item["n"].GetInt() != c.acked) {
          s.fail(c.key + ": read n=" + std::to_string(g.item["n"].GetInt()) + " v=" + std::to_string(g.version) +
                 ", acknowledged n=" + std::to_string(c.acked) + " v=" + std::to_string(c.version));
          return false;
        }
        return true;
      }
      std::this_thread::sleep_for(100ms);
    }
    s.fail(c.key + ": no strong read in 90 s");
    return false;
  };
  auto ack = [&](counter& c, uint64_t v) {
    if (v <= c.version) s.fail(c.key + ": acknowledged version " + std::to_string(v) + " after " + std::to_string(c.version));
    c.acked++;
    c.version = v;
    c.history.push_back(v);
    ++s.acks;
  };
  auto item = [](int n) { return "\"item\":{\"n\":" + std::to_string(n) + "}"; };
  for (int round = 0; !s.stop; ++round) {
    counter& c = mine[round % 2];
    if (!read(c)) return;
    std::string cond = "\"if_version\":" + std::to_string(c.version);
    std::string rid = ids.next();
    switch (round % 3) {
      case 0: {
        auto r = send("PUT", txn::item_path("ctr", c.key) + "?if_version=" + std::to_string(c.version) +
                                 "&request_id=" + rid,
                      "{\"n\":" + std::to_string(c.acked + 1) + "}");
        if (!r) return;
        if (r->status != 200) return s.fail("PUT " + c.key + " " + rid + ": " + std::to_string(r->status) + " " + r->body);
        ack(c, r->json()["version"].GetUint64());
        break;
      }
      case 1: {
        auto r = send("POST", "/v1/transact",
                      txn::body({op("put", "ctr", c.key, item(c.acked + 1) + "," + cond)}, rid));
        if (!r) return;
        if (r->status != 200) return s.fail("transact " + c.key + " " + rid + ": " + std::to_string(r->status) + " " + r->body);
        ack(c, r->json()["ops"][0]["version"].GetUint64());
        break;
      }
      case 2: {
        counter& d = mine[(round + 1) % 2];
        if (!read(d)) return;
        auto r = send("POST", "/v1/transact",
                      txn::body({op("put", "ctr", c.key, item(c.acked + 1) + "," + cond),
                                 op("put", "ctr", d.key, item(d.acked + 1) + ",\"if_version\":" + std::to_string(d.version))},
                                rid));
        if (!r) return;
        if (r->status != 200)
          return s.fail("transact " + c.key + "+" + d.key + " " + rid + ": " + std::to_string(r->status) + " " + r->body);
        auto doc = r->json();
        ack(c, doc["ops"][0]["version"].GetUint64());
        ack(d, doc["ops"][1]["version"].GetUint64());
        break;
      }
    }
  }
}

TEST(transact_retry, retried_requests_apply_once_through_leader_kills) {
  cluster_options opts;
  // Short enough that some requests answer 503 while a segment elects a
  // new leader (the others time out at the client first).
  opts.request_deadline = "2s";
  cluster_harness cluster(opts);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.create_table("ctr", R"({"hash_key":"id","segments":4})"));
  auto segs = cluster.segments("ctr");
  ASSERT_TRUE(segs && segs->size() == 4);
  uint64_t table = cluster.table_id("ctr");
  constexpr int writers = 4;
  std::vector<std::vector<counter>> counters(writers);
  http_client admin(cluster.router_port(), 30s);
  for (int w = 0; w < writers; ++w)
    for (int j = 0; j < 2; ++j) {
      // Each writer's two counters in two different segments.
      counter c;
      c.key = cluster_harness::key_in((*segs)[(w + j) % 4], table, "ctr-" + std::to_string(w) + "-" + std::to_string(j) + "-");
      auto r = admin.put(txn::item_path("ctr", c.key) + "?if=absent&request_id=init-" + c.key, R"({"n":0})");
      ASSERT_EQ(r.status, 200u) << r.body;
      c.version = r.json()["version"].GetUint64();
      counters[w].push_back(c);
    }
  shared_state s;
  s.port = cluster.router_port();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) threads.emplace_back([&, w] { run_writer(s, counters[w], w); });

  // Kill -9 the leader of one counter segment after another while the
  // writers run, each restarted after a few seconds.
  const auto seconds = [] {
    const char* e = std::getenv("ROPEKV_RETRY_SECONDS");
    return std::chrono::seconds(e ? std::stoi(e) : 30);
  }();
  auto t0 = steady::now();
  int kills = 0;
  for (size_t seg = 0; steady::now() - t0 < seconds; seg = (seg + 1) % 4) {
    std::this_thread::sleep_for(3s);
    auto now = cluster.segments("ctr");
    int victim = now && now->size() > seg ? cluster.index_of((*now)[seg].leader_hint) : -1;
    if (victim < 0) continue;
    std::cout << "[ fault    ] kill -9 owner " << victim + 1 << " (leader of segment " << (*now)[seg].id << ") at "
              << std::chrono::duration<double>(steady::now() - t0).count() << " s, " << s.acks << " acks so far\n";
    cluster.kill9_owner(static_cast<unsigned>(victim));
    ++kills;
    std::this_thread::sleep_for(3s);
    ASSERT_TRUE(cluster.start_owner(static_cast<unsigned>(victim)));
    {
      std::lock_guard lock(s.mu);
      if (!s.failures.empty()) break;
    }
  }
  ASSERT_TRUE(cluster.wait_writable("ctr", 60s));
  std::this_thread::sleep_for(2s);  // writes after the last restart
  s.stop = true;
  for (auto& t : threads) t.join();
  for (const auto& f : s.failures) ADD_FAILURE() << f;
  std::cout << "[ measure  ] " << kills << " leader kills, " << s.acks << " acknowledged increments, " << s.retries
            << " requests re-sent; slowest answer " << s.slowest_us / 1000 << " ms\n";
  EXPECT_GE(kills, 2);
  EXPECT_GT(s.acks.load(), 20);
  // Every counter: its value is the number of acknowledged increments and
  // its version the last acknowledged one.
  for (const auto& mine : counters)
    for (const auto& c : mine) {
      txn::item_read g;
      for (auto t1 = steady::now(); steady::now() - t1 < 30s; std::this_thread::sleep_for(100ms))
        if ((g = txn::strong_get(admin, "ctr", c.key)).status == 200) break;
      ASSERT_EQ(g.status, 200u) << c.key;
      EXPECT_EQ(g.item["n"].GetInt(), c.acked) << c.key;
      EXPECT_EQ(g.version, c.version) << c.key;
    }
}

}  // namespace
}  // namespace ropekv::integration
