// Backfill of a populated table while writes go on (DESIGN §7,
// docs/indexes.md): a new index on ROPEKV_BACKFILL_ITEMS items (default
// 100,000) is built from a scan at snapshot positions plus the feed from
// exactly there, while a writer updates, creates and deletes items. The
// progress GET shows only ever grows; afterwards the index holds exactly
// the entries a full scan of the table gives: none missing, none stale.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "http_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;

void load(uint16_t port, int from, int to, std::atomic<bool>& failed) {
  http_client c(port, 30s);
  for (int b = from; b < to && !failed; b += 100) {
    std::string ops;
    for (int j = b; j < std::min(b + 100, to); ++j) {
      if (!ops.empty()) ops += ',';
      ops += R"({"op":"put","hash_key":"i)" + std::to_string(j) + R"(","item":{"n":)" + std::to_string(j % 5000) +
             "}}";
    }
    auto r = c.post("/v1/tables/bulk/batch", "{\"ops\":[" + ops + "]}");
    if (r.status != 200) {
      ADD_FAILURE() << "batch at " << b << ": " << r.status << " " << r.body;
      failed = true;
    }
  }
}

// (n, hash key) of every item with a number n, from a strong scan.
std::set<std::pair<double, std::string>> scan_entries(http_client& c) {
  std::set<std::pair<double, std::string>> out;
  std::string cursor;
  for (;;) {
    auto r = c.get("/v1/tables/bulk/scan?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) return out;
    auto d = r.json();
    for (const auto& it : d["items"].GetArray())
      if (it["item"].HasMember("n") && it["item"]["n"].IsNumber())
        out.emplace(it["item"]["n"].GetDouble(), it["hash_key"].GetString());
    if (!d.HasMember("cursor")) return out;
    cursor = d["cursor"].GetString();
  }
}

std::set<std::pair<double, std::string>> index_entries(http_client& c, std::string* why) {
  std::set<std::pair<double, std::string>> out;
  std::string cursor;
  for (;;) {
    auto r = c.get("/v1/tables/bulk/indexes/by_n/items?limit=1000" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (r.status != 200) {
      *why = r.body;
      return out;
    }
    auto d = r.json();
    for (const auto& it : d["items"].GetArray())
      out.emplace(it["item"]["n"].GetDouble(), it["hash_key"].GetString());
    if (!d.HasMember("cursor")) return out;
    cursor = d["cursor"].GetString();
  }
}

TEST(index_backfill, a_populated_table_is_indexed_while_writes_go_on_with_monotonic_progress) {
  const char* env = std::getenv("ROPEKV_BACKFILL_ITEMS");
  const int items = env ? std::atoi(env) : 100'000;
  cluster_options o;
  o.indexers = 1;
  o.indexer_args = "--heartbeat=200ms";
  cluster_harness cluster(o);
  ASSERT_TRUE(cluster.start());
  ASSERT_TRUE(cluster.create_table("bulk", R"({"hash_key":"id","segments":4})"));
  std::atomic<bool> failed{false};
  {
    std::vector<std::thread> loaders;
    for (int t = 0; t < 4; ++t)
      loaders.emplace_back(load, cluster.router_port(), t * items / 4, (t + 1) * items / 4, std::ref(failed));
    for (auto& t : loaders) t.join();
  }
  ASSERT_FALSE(failed);

  // The writer: updates (the value moves), new items, deletes, until told.
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    http_client c(cluster.router_port(), 30s);
    std::mt19937 rng(7);
    while (!stop) {
      int k = static_cast<int>(rng() % static_cast<unsigned>(items + 2000));
      std::string url = "/v1/tables/bulk/items/i" + std::to_string(k);
      auto r = rng() % 5 == 0 ? c.del(url) : c.put(url, "{\"n\":" + std::to_string(rng() % 7000) + ".5}");
      if (r.status != 200 && r.status != 404) ADD_FAILURE() << r.status << " " << r.body;
      ++writes;
    }
  });

  http_client c(cluster.router_port(), 30s);
  auto created = c.put("/v1/tables/bulk/indexes/by_n", R"({"attribute":"n","type":"number"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  uint64_t last_done = 0, estimated = 0;
  int samples = 0, regressions = 0;
  bool active = false;
  auto until = std::chrono::steady_clock::now() + 300s;
  while (!active && std::chrono::steady_clock::now() < until) {
    auto d = c.get("/v1/tables/bulk/indexes/by_n").json();
    if (d["state"] == "active") {
      active = true;
      break;
    }
    if (d.HasMember("backfill")) {
      uint64_t done = d["backfill"]["items_done"].GetUint64();
      estimated = std::max<uint64_t>(estimated, d["backfill"]["items_estimated"].GetUint64());
      if (done < last_done) ++regressions;
      last_done = std::max(last_done, done);
      ++samples;
    }
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(1s);  // writes after the backfill, through the feed
  stop = true;
  writer.join();
  ASSERT_TRUE(active) << c.get("/v1/tables/bulk/indexes/by_n").body;
  EXPECT_EQ(regressions, 0);
  EXPECT_GT(samples, 1) << "the backfill was over before progress could be seen";
  // The segments' key counts when their scans began (a follower may have
  // been a few writes behind: those come through the feed).
  EXPECT_GE(estimated, static_cast<uint64_t>(items) * 95 / 100);
  EXPECT_GT(writes.load(), 100);

  auto want = scan_entries(c);
  std::string why;
  std::set<std::pair<double, std::string>> got;
  for (int attempt = 0; attempt < 100; ++attempt) {
    got = index_entries(c, &why);
    if (got == want) break;
    std::this_thread::sleep_for(200ms);
  }
  std::vector<std::pair<double, std::string>> missing, stale;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(stale));
  EXPECT_TRUE(missing.empty() && stale.empty())
      << missing.size() << " missing (first " << (missing.empty() ? "" : missing[0].second) << "), " << stale.size()
      << " stale (first " << (stale.empty() ? "" : stale[0].second) << ") " << why;
  EXPECT_GE(want.size(), static_cast<size_t>(items * 3 / 4));
}

}  // namespace
}  // namespace ropekv::integration
