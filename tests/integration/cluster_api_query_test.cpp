// Reads of many items through the router's HTTP API against a real cluster
// (cluster_api_fixture.hpp): range queries within a hash key (windows,
// reverse, cursors), local indexes on strings and numbers, and scans that
// cover every segment with cursors.
#include <gtest/gtest.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cluster_api_fixture.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

TEST_F(cluster_api, range_queries_within_a_hash_key) {
  ASSERT_TRUE(cluster_->create_table("events", R"({"hash_key":"user","range_key":"ts","local_index":"score"})"));
  // Range keys t00..t19; score runs the other way, so index order is reversed.
  for (int i = 0; i < 20; ++i) {
    char rk[8], score[8];
    std::snprintf(rk, sizeof rk, "t%02d", i);
    std::snprintf(score, sizeof score, "s%02d", 19 - i);
    auto p = c().put(item("events", "u1/") + rk, std::string(R"({"score":")") + score + R"(","i":)" +
                                                     std::to_string(i) + "}");
    ASSERT_EQ(p.status, 200u) << p.body;
  }
  ASSERT_EQ(c().put(item("events", "u2/t00"), R"({"score":"zz"})").status, 200u);
  auto rks = [](const http_reply& r) {
    std::vector<std::string> out;
    for (const auto& it : r.json()["items"].GetArray()) out.push_back(it["range_key"].GetString());
    return out;
  };
  auto all = c().get(item("events", "u1"));
  ASSERT_EQ(all.status, 200u) << all.body;
  ASSERT_EQ(rks(all).size(), 20u);
  EXPECT_EQ(rks(all).front(), "t00");
  EXPECT_STREQ(all.json()["items"][0]["hash_key"].GetString(), "u1");

  auto window = c().get(item("events", "u1") + "?from=t05&to=t09");
  EXPECT_EQ(rks(window), (std::vector<std::string>{"t05", "t06", "t07", "t08"}));  // to is exclusive
  auto rev = c().get(item("events", "u1") + "?from=t05&to=t09&reverse=true");
  EXPECT_EQ(rks(rev), (std::vector<std::string>{"t08", "t07", "t06", "t05"}));

  // Paging with limit + cursor until no cursor comes back.
  std::vector<std::string> paged;
  std::string cursor;
  for (int pages = 0; pages < 50; ++pages) {
    auto r = c().get(item("events", "u1") + "?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = r.json();
    for (const auto& it : d["items"].GetArray()) paged.push_back(it["range_key"].GetString());
    EXPECT_LE(d["items"].Size(), 3u);
    if (!d.HasMember("cursor")) break;
    cursor = d["cursor"].GetString();
  }
  EXPECT_EQ(paged, rks(all));
  // A cursor replayed on another query is rejected.
  auto first = c().get(item("events", "u1") + "?limit=2").json();
  ASSERT_TRUE(first.HasMember("cursor"));
  EXPECT_EQ(c().get(item("events", "u2") + "?limit=2&cursor=" + first["cursor"].GetString()).status, 400u);

  // index=local: by score (rk2), i.e. range keys in reverse.
  auto by_score = c().get(item("events", "u1") + "?index=local&limit=5");
  ASSERT_EQ(by_score.status, 200u) << by_score.body;
  EXPECT_EQ(rks(by_score), (std::vector<std::string>{"t19", "t18", "t17", "t16", "t15"}));
  auto score_window = c().get(item("events", "u1") + "?index=local&from=s03&to=s05");
  EXPECT_EQ(rks(score_window), (std::vector<std::string>{"t16", "t15"}));
  // A local index value of the wrong type.
  EXPECT_EQ(c().put(item("events", "u1/bad"), R"({"score":{"nested":1}})").status, 400u);
  EXPECT_EQ(c().put(item("events", "u1"), R"({"score":"x"})").status, 400u);  // range key required
  EXPECT_EQ(outcome(c().put(item("events", "u1/") + std::string(1025, 'r'), "{}")), "413 too_large");
}

// A local index on a number attribute orders numerically (9 < 10 < 100,
// negatives and fractions too), strings after every number; from/to are
// numbers compared as numbers.
TEST_F(cluster_api, local_index_orders_numbers_numerically) {
  ASSERT_TRUE(cluster_->create_table("scores", R"({"hash_key":"team","range_key":"player","local_index":"points"})"));
  const std::vector<std::pair<std::string, std::string>> players = {
      {"p100", "100"}, {"p9", "9"}, {"pstr", R"("abc")"}, {"p10", "10"}, {"pneg", "-1"}, {"pfrac", "2.5"},
      {"pstr2", R"("10")"}, {"pbig", "1e3"}};
  for (const auto& [player, points] : players) {
    auto p = c().put(item("scores", "t1/" + player), R"({"points":)" + points + "}");
    ASSERT_EQ(p.status, 200u) << player << ": " << p.body;
  }
  ASSERT_EQ(c().put(item("scores", "t1/pnone"), R"({"other":1})").status, 200u);  // not indexed
  ASSERT_EQ(c().put(item("scores", "t2/p1"), R"({"points":5})").status, 200u);    // another hash key
  auto players_of = [](const http_reply& r) {
    std::vector<std::string> out;
    if (r.status != 200u) return out;
    for (const auto& it : r.json()["items"].GetArray()) out.push_back(it["range_key"].GetString());
    return out;
  };
  const std::vector<std::string> order = {"pneg", "pfrac", "p9", "p10", "p100", "pbig", "pstr2", "pstr"};
  auto all = c().get(item("scores", "t1") + "?index=local");
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(players_of(all), order);
  EXPECT_EQ(all.body.find("rk2"), std::string::npos) << all.body;
  EXPECT_NE(all.body.find(R"({"points":2.5})"), std::string::npos) << "items come back as sent: " << all.body;
  auto rev = c().get(item("scores", "t1") + "?index=local&reverse=true");
  EXPECT_EQ(players_of(rev), std::vector<std::string>(order.rbegin(), order.rend()));
  // Pages of two, same order.
  std::vector<std::string> paged;
  std::string cursor;
  for (int pages = 0; pages < 20; ++pages) {
    auto r = c().get(item("scores", "t1") + "?index=local&limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200u) << r.body;
    for (const auto& p : players_of(r)) paged.push_back(p);
    auto d = r.json();
    if (!d.HasMember("cursor")) break;
    cursor = d["cursor"].GetString();
  }
  EXPECT_EQ(paged, order);
  // Numeric bounds: [9, 100).
  EXPECT_EQ(players_of(c().get(item("scores", "t1") + "?index=local&from=9&to=100")),
            (std::vector<std::string>{"p9", "p10"}));
  EXPECT_EQ(players_of(c().get(item("scores", "t1") + "?index=local&from=-5&to=9.5")),
            (std::vector<std::string>{"pneg", "pfrac", "p9"}));
  EXPECT_EQ(players_of(c().get(item("scores", "t1") + "?index=local&from=100")),
            (std::vector<std::string>{"p100", "pbig", "pstr2", "pstr"}));
  // A quoted bound is a string: only strings from it on.
  EXPECT_EQ(players_of(c().get(item("scores", "t1") + "?index=local&from=%2210%22")),
            (std::vector<std::string>{"pstr2", "pstr"}));
  EXPECT_EQ(outcome(c().get(item("scores", "t1") + "?index=local&from=100&to=9")), "400 invalid_argument");
  // A number beyond a double cannot be indexed.
  EXPECT_EQ(c().put(item("scores", "t1/phuge"), R"({"points":1e400})").status, 400u);
}

TEST_F(cluster_api, scans_cover_every_segment_with_cursors) {
  ASSERT_TRUE(cluster_->create_table("scanned", R"({"hash_key":"id"})"));
  auto segs = cluster_->segments("scanned");
  ASSERT_TRUE(segs && !segs->empty());
  uint64_t id = cluster_->table_id("scanned");
  std::set<std::string> written;
  for (const auto& s : *segs) {
    // Four keys in every segment.
    for (int j = 0; j < 4; ++j) {
      std::string hk = cluster_harness::key_in(s, id, "s" + std::to_string(s.id) + "-" + std::to_string(j) + "-");
      ASSERT_EQ(c().put(item("scanned", hk), R"({"v":1})").status, 200u);
      written.insert(hk);
    }
  }
  for (int i = 0; i < 30; ++i) {
    std::string hk = "extra" + std::to_string(i);
    ASSERT_EQ(c().put(item("scanned", hk), R"({"v":2})").status, 200u);
    written.insert(hk);
  }
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  for (; pages < 500; ++pages) {
    auto r = c().get("/v1/tables/scanned/scan?limit=7" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = r.json();
    for (const auto& it : d["items"].GetArray())
      EXPECT_TRUE(seen.insert(it["hash_key"].GetString()).second) << "seen twice: " << it["hash_key"].GetString();
    if (!d.HasMember("cursor")) break;
    cursor = d["cursor"].GetString();
  }
  EXPECT_EQ(seen, written);
  std::cout << "[ measure  ] scan of " << seen.size() << " items over " << segs->size() << " segments in "
            << pages + 1 << " pages of limit 7\n";
  auto eventual = c().get("/v1/tables/scanned/scan?limit=1000&consistency=eventual");
  EXPECT_EQ(eventual.status, 200u);
}


}  // namespace
}  // namespace ropekv::integration
