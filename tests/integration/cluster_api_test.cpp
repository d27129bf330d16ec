// The router's whole HTTP API (DESIGN §8) against a real cluster on
// loopback: 1 placement, 3 segment-owners (racks r1..r3), 1 router. One
// cluster for the suite; tests use their own tables so their order does
// not matter, except the last one, which takes owners down (503).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "ropekv/feed/write_token.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// The API as a client that retries per spec sees it: a 503 (no leader
/// yet after an election on a loaded machine, retries exhausted inside the
/// router) is retried for up to 20 s; anything else is the answer. Item
/// PUTs and DELETEs carry a request_id, so a retry of one that was applied
/// after all answers its first outcome (not 412 or "created":false).
class retrying_client {
 public:
  explicit retrying_client(uint16_t port) : c_(port, 20s) {}
  http_reply request(std::string_view method, const std::string& t, const std::string& body = {}) {
    std::string target = t;
    if ((method == "PUT" || method == "DELETE") && target.find("/items/") != std::string::npos &&
        target.find("request_id=") == std::string::npos)
      target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("request_id=api-") +
                salt_ + "-" + std::to_string(++ids_);
    auto t0 = steady::now();
    for (;;) {
      auto r = c_.request(method, target, body);
      if (r.status != 503 || steady::now() - t0 > 20s) return r;
      ++retried_;
      std::this_thread::sleep_for(100ms);
    }
  }
  http_reply get(const std::string& target) { return request("GET", target); }
  http_reply put(const std::string& target, const std::string& body) { return request("PUT", target, body); }
  http_reply post(const std::string& target, const std::string& body) { return request("POST", target, body); }
  http_reply del(const std::string& target) { return request("DELETE", target); }
  int connections() const { return c_.connections(); }
  int retried() const { return retried_; }
  http_client& raw() { return c_; }

 private:
  http_client c_;
  int retried_ = 0;
  std::string salt_ = std::to_string(std::random_device{}());
  uint64_t ids_ = 0;
};

class cluster_api : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new cluster_harness();
    auto t0 = steady::now();
    try {
      start();
    } catch (const std::exception& e) {
      startup_error_ = new std::string(e.what());
    }
    std::cout << "[ measure  ] cluster up and table kvs writable in "
              << std::chrono::duration<double>(steady::now() - t0).count() << " s\n";
  }
  static void start() {
    auto started = cluster_->start();
    if (!started) {
      startup_error_ = new std::string(started.message());
      return;
    }
    auto t = cluster_->create_table("kvs", R"({"hash_key":"id"})");
    if (!t) startup_error_ = new std::string(t.message());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }
  void SetUp() override {
    if (startup_error_) FAIL() << "cluster did not start: " << *startup_error_;
    client_ = std::make_unique<retrying_client>(cluster_->router_port());
  }
  void TearDown() override {
    if (client_ && client_->retried() > 0)
      std::cout << "[ measure  ] " << client_->retried() << " requests answered 503 and were retried\n";
  }

  retrying_client& c() { return *client_; }
  static std::string item(const std::string& table, const std::string& hk_escaped) {
    return "/v1/tables/" + table + "/items/" + hk_escaped;
  }
  /// Status and error code, for one-line expectations.
  static std::string outcome(const http_reply& r) { return std::to_string(r.status) + " " + r.error_code(); }
  /// The position of a write's token, after checking it names the item
  /// (0 and a failure when it does not).
  static uint64_t token_position(const rapidjson::Value& body, const std::string& table,
                                 const std::string& hk, const std::string& rk = {}) {
    if (!body.IsObject() || !body.HasMember("token") || !body["token"].IsString()) {
      ADD_FAILURE() << "no token in the write's response";
      return 0;
    }
    auto token = feed::parse_write_token(body["token"].GetString());
    if (!token) {
      ADD_FAILURE() << "bad token: " << token.error().message;
      return 0;
    }
    auto id = static_cast<uint32_t>(cluster_->table_id(table));
    EXPECT_EQ(token->table_id(), id);
    EXPECT_EQ(token->key(), keys::encode(keys::make_key(id, hk, rk))) << hk;
    EXPECT_GT(token->position(), 0u);
    return token->position();
  }

  static cluster_harness* cluster_;
  static std::string* startup_error_;
  std::unique_ptr<retrying_client> client_;
};
cluster_harness* cluster_api::cluster_ = nullptr;
std::string* cluster_api::startup_error_ = nullptr;

TEST_F(cluster_api, tables_create_list_get_delete_and_their_errors) {
  auto created = c().put("/v1/tables/orders",
                         R"({"hash_key":"customer","range_key":"order","local_index":"total","replication":3,"default_ttl":3600})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto t = created.json();
  EXPECT_STREQ(t["name"].GetString(), "orders");
  EXPECT_STREQ(t["hash_key"].GetString(), "customer");
  EXPECT_STREQ(t["range_key"].GetString(), "order");
  EXPECT_STREQ(t["local_index"].GetString(), "total");
  EXPECT_EQ(t["replication"].GetUint64(), 3u);
  EXPECT_EQ(t["default_ttl"].GetUint64(), 3600u);
  EXPECT_GT(t["id"].GetUint64(), 0u);

  auto got = c().get("/v1/tables/orders");
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.json()["id"].GetUint64(), t["id"].GetUint64());
  auto list = c().get("/v1/tables");
  ASSERT_EQ(list.status, 200u);
  std::set<std::string> names;
  for (const auto& x : list.json()["tables"].GetArray()) names.insert(x["name"].GetString());
  EXPECT_TRUE(names.count("orders") && names.count("kvs")) << list.body;

  EXPECT_EQ(outcome(c().put("/v1/tables/orders", R"({"hash_key":"customer"})")), "409 already_exists");
  EXPECT_EQ(outcome(c().get("/v1/tables/no_such_table")), "404 not_found");
  EXPECT_EQ(outcome(c().del("/v1/tables/no_such_table")), "404 not_found");
  EXPECT_EQ(outcome(c().put("/v1/tables/ab", R"({"hash_key":"h"})")), "400 invalid_argument");      // too short
  EXPECT_EQ(outcome(c().put("/v1/tables/bad$name", R"({"hash_key":"h"})")), "400 invalid_argument");
  EXPECT_EQ(c().put("/v1/tables/badjson", R"({"hash_key":)").status, 400u);
  EXPECT_EQ(c().put("/v1/tables/badjson", R"({"hash_key":"h","replication":2})").status, 400u);
  EXPECT_EQ(c().put("/v1/tables/badjson", R"({"range_key":"r"})").status, 400u);  // hash_key required
  EXPECT_EQ(c().put("/v1/tables/badjson", R"({"hash_key":"h","bogus":1})").status, 400u);
  EXPECT_EQ(c().get("/v1/tables/badjson").status, 404u) << "a rejected spec created the table";

  auto dropped = c().del("/v1/tables/orders");
  ASSERT_EQ(dropped.status, 200u) << dropped.body;
  EXPECT_STREQ(dropped.json()["name"].GetString(), "orders");
  EXPECT_EQ(outcome(c().get("/v1/tables/orders")), "404 not_found");
  EXPECT_EQ(outcome(c().get(item("orders", "x/y"))), "404 not_found");
}

TEST_F(cluster_api, items_put_get_delete_with_conditions_versions_and_as_of) {
  const std::string url = item("kvs", "alice");
  auto p1 = c().put(url, R"({"name":"Alice","n":1.50})");
  ASSERT_EQ(p1.status, 200u) << p1.body;
  EXPECT_TRUE(p1.json()["created"].GetBool());
  uint64_t v1 = p1.json()["version"].GetUint64();
  uint64_t pos1 = token_position(p1.json(), "kvs", "alice");

  auto g1 = c().get(url);
  ASSERT_EQ(g1.status, 200u) << g1.body;
  auto d1 = g1.json();
  EXPECT_STREQ(d1["hash_key"].GetString(), "alice");
  EXPECT_EQ(d1["version"].GetUint64(), v1);
  EXPECT_STREQ(d1["item"]["name"].GetString(), "Alice");
  EXPECT_NE(g1.body.find("1.50"), std::string::npos) << "numbers verbatim: " << g1.body;
  EXPECT_FALSE(d1.HasMember("range_key"));
  EXPECT_FALSE(d1.HasMember("expires_at_ms"));

  // Conditions.
  EXPECT_EQ(outcome(c().put(url + "?if=absent", R"({"name":"again"})")), "412 condition_failed");
  EXPECT_EQ(outcome(c().put(item("kvs", "nobody") + "?if=exists", "{}")), "412 condition_failed");
  EXPECT_EQ(outcome(c().put(url + "?if_version=" + std::to_string(v1 + 1000), "{}")), "412 condition_failed");
  auto p2 = c().put(url + "?if_version=" + std::to_string(v1), R"({"name":"Alice B."})");
  ASSERT_EQ(p2.status, 200u) << p2.body;
  EXPECT_FALSE(p2.json()["created"].GetBool());
  uint64_t v2 = p2.json()["version"].GetUint64();
  EXPECT_GT(v2, v1);
  uint64_t pos2 = token_position(p2.json(), "kvs", "alice");
  EXPECT_GT(pos2, pos1) << "positions rise with the writes to one segment";
  auto p3 = c().put(url + "?if=exists", R"({"name":"Alice C."})");
  ASSERT_EQ(p3.status, 200u) << p3.body;
  uint64_t v3 = p3.json()["version"].GetUint64();
  auto created = c().put(item("kvs", "bob") + "?if=absent", R"({"name":"Bob"})");
  ASSERT_EQ(created.status, 200u) << created.body;
  EXPECT_TRUE(created.json()["created"].GetBool());

  // Reads: strong, eventual (a follower may lag: bounded poll), as_of.
  EXPECT_STREQ(c().get(url + "?consistency=strong").json()["item"]["name"].GetString(), "Alice C.");
  bool eventual_seen = false;
  for (auto t0 = steady::now(); !eventual_seen && steady::now() - t0 < 10s; std::this_thread::sleep_for(100ms)) {
    auto e = c().get(url + "?consistency=eventual");
    ASSERT_TRUE(e.status == 200u || e.status == 404u) << e.body;
    eventual_seen = e.status == 200 && e.json()["version"].GetUint64() == v3;
  }
  EXPECT_TRUE(eventual_seen) << "an eventual read never saw the last write within 10 s";
  auto old = c().get(url + "?as_of=" + std::to_string(v1));
  ASSERT_EQ(old.status, 200u) << old.body;
  EXPECT_STREQ(old.json()["item"]["name"].GetString(), "Alice");
  EXPECT_EQ(old.json()["version"].GetUint64(), v1);
  EXPECT_STREQ(c().get(url + "?as_of=" + std::to_string(v2)).json()["item"]["name"].GetString(), "Alice B.");

  // Deletes.
  EXPECT_EQ(outcome(c().del(url + "?if_version=" + std::to_string(v1))), "412 condition_failed");
  auto del = c().del(url + "?if_version=" + std::to_string(v3));
  ASSERT_EQ(del.status, 200u) << del.body;
  EXPECT_GT(del.json()["version"].GetUint64(), v3);
  EXPECT_GT(token_position(del.json(), "kvs", "alice"), pos2);
  EXPECT_EQ(outcome(c().get(url)), "404 not_found");
  EXPECT_EQ(outcome(c().del(url)), "404 not_found");
  EXPECT_EQ(outcome(c().del(item("kvs", "nobody") + "?if=exists")), "412 condition_failed");
  EXPECT_EQ(c().del(item("kvs", "bob") + "?if=exists").status, 200u);
  // The deleted item's past is still readable.
  EXPECT_STREQ(c().get(url + "?as_of=" + std::to_string(v3)).json()["item"]["name"].GetString(), "Alice C.");
}

TEST_F(cluster_api, keys_are_percent_decoded_bytes) {
  // '/' inside a key, and bytes that are not UTF-8 (answered in base64).
  ASSERT_EQ(c().put(item("kvs", "a%2Fb"), R"({"k":"slash"})").status, 200u);
  auto slash = c().get(item("kvs", "a%2Fb"));
  ASSERT_EQ(slash.status, 200u) << slash.body;
  EXPECT_STREQ(slash.json()["hash_key"].GetString(), "a/b");
  ASSERT_EQ(c().put(item("kvs", "%FF%FE"), R"({"k":"binary"})").status, 200u);
  auto bin = c().get(item("kvs", "%ff%fe"));
  ASSERT_EQ(bin.status, 200u) << bin.body;
  EXPECT_STREQ(bin.json()["hash_key_base64"].GetString(), "//4=");
  EXPECT_FALSE(bin.json().HasMember("hash_key"));
  ASSERT_EQ(c().put(item("kvs", "nul%00key"), R"({})").status, 200u);
  EXPECT_EQ(c().get(item("kvs", "nul%00key")).status, 200u);
  EXPECT_EQ(c().get(item("kvs", "nul")).status, 404u);
}

TEST_F(cluster_api, request_errors_400_404_405_413) {
  const std::string url = item("kvs", "err");
  // 400: bad JSON, not an object, bad escapes, bad parameters.
  EXPECT_EQ(outcome(c().put(url, R"({"a":)")), "400 invalid_json");
  EXPECT_EQ(c().put(url, R"([1,2])").status, 400u);
  EXPECT_EQ(c().put(url, "").status, 400u);
  EXPECT_EQ(outcome(c().get(item("kvs", "bad%zzescape"))), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get(item("kvs", "trunc%4"))), "400 invalid_argument");
  EXPECT_EQ(outcome(c().put(url + "?ttl=soon", "{}")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().put(url + "?if=maybe", "{}")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().put(url + "?if=absent&if_version=3", "{}")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().put(url + "?if_version=-1", "{}")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get(url + "?consistency=sometimes")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get(url + "?as_of=yesterday")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get("/v1/tables/kvs/scan?limit=0")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get("/v1/tables/kvs/scan?limit=1001")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get("/v1/tables/kvs/scan?cursor=not-a-cursor")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get(url + "?from=a")), "400 invalid_argument");  // no range key on kv
  EXPECT_EQ(outcome(c().get(item("kvs", "h/r"))), "400 invalid_argument");  // no range key on kv
  EXPECT_EQ(outcome(c().get("/v1/tables/kvs/partitions/65536")), "400 invalid_argument");
  EXPECT_EQ(outcome(c().get("/v1/tables/kvs/partitions/x")), "400 invalid_argument");
  // 404: unknown table, item, route.
  EXPECT_EQ(outcome(c().get(item("no_such_table", "k"))), "404 not_found");
  EXPECT_EQ(outcome(c().put(item("no_such_table", "k"), "{}")), "404 not_found");
  EXPECT_EQ(outcome(c().get(item("kvs", "never-written"))), "404 not_found");
  EXPECT_EQ(outcome(c().get("/v1/nothing/here")), "404 not_found");
  EXPECT_EQ(outcome(c().get("/v2/tables")), "404 not_found");
  // 405: a known route, a method it does not take.
  EXPECT_EQ(outcome(c().post(url, "{}")), "405 method_not_allowed");
  EXPECT_EQ(outcome(c().request("PATCH", "/v1/tables/kvs", "{}")), "405 method_not_allowed");
  EXPECT_EQ(outcome(c().del("/v1/cluster")), "405 method_not_allowed");
  EXPECT_EQ(c().get("/v1/tables/kvs/batch").status, 405u);
  // 413: keys and bodies too large.
  EXPECT_EQ(outcome(c().put(item("kvs", std::string(2049, 'h')), "{}")), "413 too_large");
  EXPECT_EQ(c().put(item("kvs", std::string(2048, 'h')), "{}").status, 200u);
  std::string big_item = R"({"blob":")" + std::string(400 * 1024, 'x') + R"("})";
  EXPECT_EQ(outcome(c().put(url, big_item)), "413 too_large");
  std::string huge_body = R"({"blob":")" + std::string(2 << 20, 'x') + R"("})";
  EXPECT_EQ(c().put(url, huge_body).status, 413u);  // an item beyond 400 KiB (bodies may reach 17 MiB: transactions)
  EXPECT_EQ(c().get("/healthz").status, 200u) << "the router survives an oversized body";
  // Transactions are built (transact_test.cpp); an empty one is malformed.
  EXPECT_EQ(outcome(c().post("/v1/transact", R"({"ops":[]})")), "400 invalid_argument");
}

TEST_F(cluster_api, ttl_items_expire) {
  auto put = c().put(item("kvs", "ephemeral") + "?ttl=1", R"({"short":"lived"})");
  ASSERT_EQ(put.status, 200u) << put.body;
  auto got = c().get(item("kvs", "ephemeral"));
  // The read may already be past the second on a slow machine.
  if (got.status == 200) {
    EXPECT_TRUE(got.json().HasMember("expires_at_ms")) << got.body;
  }
  ASSERT_EQ(c().put(item("kvs", "forever") + "?ttl=0", "{}").status, 200u);
  bool gone = false;
  for (auto t0 = steady::now(); !gone && steady::now() - t0 < 20s; std::this_thread::sleep_for(200ms))
    gone = c().get(item("kvs", "ephemeral")).status == 404;
  EXPECT_TRUE(gone) << "an item with ttl=1 was still readable 20 s later";
  auto forever = c().get(item("kvs", "forever"));
  EXPECT_EQ(forever.status, 200u);
  EXPECT_FALSE(forever.json().HasMember("expires_at_ms"));
}

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

TEST_F(cluster_api, batch_runs_ops_independently_and_validates_as_a_whole) {
  // Ops run concurrently: no two of them touch the same key.
  ASSERT_EQ(c().put(item("kvs", "b-existing"), R"({"x":1})").status, 200u);
  ASSERT_EQ(c().put(item("kvs", "b-doomed"), R"({"x":9})").status, 200u);
  auto r = c().post("/v1/tables/kvs/batch", R"({"ops":[
      {"op":"put","hash_key":"b-new","item":{"x":2}},
      {"op":"put","hash_key":"b-existing","item":{"x":3},"if":"absent"},
      {"op":"get","hash_key":"b-existing"},
      {"op":"get","hash_key":"b-missing","consistency":"strong"},
      {"op":"delete","hash_key":"b-doomed"},
      {"op":"put","hash_key_base64":"//79","item":{"bin":true},"ttl":60}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto d = r.json();
  const auto& res = d["results"];
  ASSERT_EQ(res.Size(), 6u) << r.body;
  EXPECT_EQ(res[0]["status"].GetUint(), 200u) << r.body;
  EXPECT_TRUE(res[0]["result"]["created"].GetBool());
  EXPECT_EQ(res[1]["status"].GetUint(), 412u);
  EXPECT_STREQ(res[1]["error"]["code"].GetString(), "condition_failed");
  EXPECT_EQ(res[2]["status"].GetUint(), 200u);
  EXPECT_EQ(res[2]["result"]["item"]["x"].GetInt(), 1);
  EXPECT_EQ(res[3]["status"].GetUint(), 404u);
  EXPECT_EQ(res[4]["status"].GetUint(), 200u);
  EXPECT_TRUE(res[4]["result"].HasMember("version"));
  EXPECT_EQ(res[5]["status"].GetUint(), 200u);
  // Writes that succeeded carry their token; reads and failures none.
  token_position(res[0]["result"], "kvs", "b-new");
  token_position(res[4]["result"], "kvs", "b-doomed");
  token_position(res[5]["result"], "kvs", "\xff\xfe\xfd");
  EXPECT_FALSE(res[2]["result"].HasMember("token"));
  EXPECT_FALSE(res[1].HasMember("result"));
  EXPECT_EQ(c().get(item("kvs", "b-new")).status, 200u);
  EXPECT_EQ(c().get(item("kvs", "b-doomed")).status, 404u);
  auto bin = c().get(item("kvs", "%FF%FE%FD"));
  EXPECT_EQ(bin.status, 200u) << bin.body;
  EXPECT_TRUE(bin.json().HasMember("expires_at_ms")) << bin.body;

  // One bad op: 400 naming it, and nothing ran.
  auto bad = c().post("/v1/tables/kvs/batch", R"({"ops":[{"op":"put","hash_key":"b-not-run","item":{}},
                                                         {"op":"frobnicate","hash_key":"x"}]})");
  EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_NE(bad.body.find("ops[1]"), std::string::npos) << bad.body;
  EXPECT_EQ(c().get(item("kvs", "b-not-run")).status, 404u);
  EXPECT_EQ(c().post("/v1/tables/kvs/batch", R"({"ops":[]})").status, 400u);
  EXPECT_EQ(c().post("/v1/tables/kvs/batch", R"({"ops":)").status, 400u);
  EXPECT_EQ(c().post("/v1/tables/no_such_table/batch", R"({"ops":[{"op":"get","hash_key":"x"}]})").status, 404u);
}

TEST_F(cluster_api, partition_info_and_rollback_bring_back_an_earlier_value) {
  const std::string hk = "rolled";
  const unsigned p = keys::partition_of(hk);
  auto v1 = c().put(item("kvs", hk), R"({"state":"original"})");
  ASSERT_EQ(v1.status, 200u) << v1.body;
  uint64_t version1 = v1.json()["version"].GetUint64();
  ASSERT_EQ(c().put(item("kvs", hk), R"({"state":"overwritten"})").status, 200u);

  auto info = c().get("/v1/tables/kvs/partitions/" + std::to_string(p));
  ASSERT_EQ(info.status, 200u) << info.body;
  auto i = info.json();
  EXPECT_STREQ(i["table"].GetString(), "kvs");
  EXPECT_EQ(i["partition"].GetUint(), p);
  EXPECT_GE(i["items"].GetUint64(), 1u);
  EXPECT_GT(i["bytes"].GetUint64(), 0u);
  EXPECT_GT(i["head_version"].GetUint64(), version1);
  EXPECT_GE(i["segments"].Size(), 1u);

  auto rb = c().post("/v1/tables/kvs/partitions/" + std::to_string(p) + "/rollback",
                     R"({"to_version":)" + std::to_string(version1) + "}");
  ASSERT_EQ(rb.status, 200u) << rb.body;
  EXPECT_EQ(rb.json()["to_version"].GetUint64(), version1);
  auto back = c().get(item("kvs", hk));
  ASSERT_EQ(back.status, 200u) << back.body;
  EXPECT_STREQ(back.json()["item"]["state"].GetString(), "original");
  EXPECT_EQ(back.json()["version"].GetUint64(), version1);
  // Writes go on after a rollback, with higher versions.
  auto after = c().put(item("kvs", hk), R"({"state":"after"})");
  ASSERT_EQ(after.status, 200u);
  EXPECT_GT(after.json()["version"].GetUint64(), i["head_version"].GetUint64());

  const std::string rb_url = "/v1/tables/kvs/partitions/" + std::to_string(p) + "/rollback";
  EXPECT_EQ(c().post(rb_url, R"({"to_version":"x"})").status, 400u);
  EXPECT_EQ(c().post(rb_url, R"({})").status, 400u);
  EXPECT_EQ(c().post(rb_url, R"({"to_version":1,"extra":true})").status, 400u);
  EXPECT_EQ(c().get(rb_url).status, 405u);
  EXPECT_EQ(c().get("/v1/tables/no_such_table/partitions/1").status, 404u);
}

TEST_F(cluster_api, cluster_health_readiness_and_metrics) {
  auto cl = c().get("/v1/cluster");
  ASSERT_EQ(cl.status, 200u) << cl.body;
  auto d = cl.json();
  ASSERT_EQ(d["nodes"].Size(), 3u);
  std::set<std::string> racks, hosts;
  for (const auto& n : d["nodes"].GetArray()) {
    EXPECT_TRUE(n["alive"].GetBool());
    racks.insert(n["labels"]["rack"].GetString());
    hosts.insert(n["labels"]["host"].GetString());
  }
  EXPECT_EQ(racks, (std::set<std::string>{"r1", "r2", "r3"}));
  EXPECT_EQ(hosts.size(), 3u);
  EXPECT_GT(d["segments"].Size(), 0u);
  EXPECT_GT(d["rope_version"].GetUint64(), 0u);
  EXPECT_GT(d["router_rope_version"].GetUint64(), 0u);
  for (const auto& s : d["segments"].GetArray()) {
    std::set<uint64_t> replicas;
    for (const auto& r : s["replicas"].GetArray()) replicas.insert(r.GetUint64());
    EXPECT_EQ(replicas.size(), 3u) << "replicas on distinct racks";
  }
  EXPECT_TRUE(d.HasMember("moves_in_flight") && d.HasMember("unhealthy"));

  auto h = c().get("/healthz");
  EXPECT_EQ(h.status, 200u);
  EXPECT_STREQ(h.json()["status"].GetString(), "ok");
  auto ready = c().get("/readyz");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_STREQ(ready.json()["status"].GetString(), "ready");
  auto m = c().get("/metrics");
  ASSERT_EQ(m.status, 200u);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos) << m.content_type;
  EXPECT_NE(m.body.find("ropekv_router_requests_total"), std::string::npos);
  EXPECT_NE(m.body.find("# TYPE ropekv_router_request_seconds histogram"), std::string::npos);
  EXPECT_EQ(c().connections(), 1) << "keep-alive held across requests";
}

// A table can start with a chosen number of segments (Raft groups).
TEST_F(cluster_api, a_table_starts_with_the_segments_it_asks_for) {
  auto created = c().put("/v1/tables/four_groups", R"({"hash_key":"id","segments":4})");
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.json()["segments"].GetUint64(), 4u);
  auto segs = cluster_->segments("four_groups");
  ASSERT_TRUE(segs);
  EXPECT_EQ(segs->size(), 4u);
  for (int i = 0; i < 40; ++i)
    ASSERT_EQ(c().put(item("four_groups", "k" + std::to_string(i)), R"({"n":1})").status, 200u);
  EXPECT_EQ(outcome(c().put("/v1/tables/too_many", R"({"hash_key":"id","segments":5000})")),
            "400 invalid_argument");
}

// Per-hop latency histograms (docs/performance.md): the router's stages and
// every owner's replica stages are counted once requests went through.
TEST_F(cluster_api, per_hop_stage_histograms_count_requests) {
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(c().put(item("kvs", "hop" + std::to_string(i)), R"({"n":1})").status, 200u);
    ASSERT_EQ(c().get(item("kvs", "hop" + std::to_string(i))).status, 200u);
  }
  // `name{stage="s"} value` -> value, or -1 when the series is missing.
  auto count_of = [](const std::string& body, const std::string& series) -> double {
    auto at = body.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(body.substr(at + series.size() + 1));
  };
  auto m = c().get("/metrics").body;
  for (const char* stage : {"parse", "dispatch", "route", "owner_rpc", "encode"}) {
    EXPECT_GE(count_of(m, std::string("ropekv_router_stage_seconds_count{stage=\"") + stage + "\"}"), 40)
        << stage;
  }
  double fsyncs = 0, commits = 0, waits = 0, reads = 0;
  for (unsigned i = 0; i < cluster_->owners(); ++i) {
    http_client owner(cluster_->owner_metrics_port(i));
    auto r = owner.get("/metrics");
    ASSERT_EQ(r.status, 200u) << "owner " << i;
    fsyncs += count_of(r.body, R"(ropekv_owner_stage_seconds_count{stage="fsync"})");
    commits += count_of(r.body, R"(ropekv_owner_stage_seconds_count{stage="commit"})");
    waits += count_of(r.body, R"(ropekv_owner_stage_seconds_count{stage="wait"})");
    reads += count_of(r.body, R"(ropekv_owner_stage_seconds_count{stage="read"})");
    EXPECT_EQ(owner.get("/other").status, 404u);
  }
  EXPECT_GE(commits, 20) << "every acknowledged write was committed by some leader";
  EXPECT_GT(fsyncs, 0);
  EXPECT_GE(waits, 40) << "every request routed by an owner waited in a replica's mailbox";
  EXPECT_GE(reads, 20);
}

// Last (gtest keeps declaration order): takes the cluster down.
TEST_F(cluster_api, zz_all_owners_of_a_segment_down_is_503) {
  for (unsigned i = 0; i < cluster_->owners(); ++i) cluster_->kill9_owner(i);
  auto& raw = c().raw();
  raw.set_deadline(30s);
  auto t0 = steady::now();
  auto w = raw.put(item("kvs", "nowhere"), "{}");
  EXPECT_EQ(outcome(w), "503 unavailable") << w.body;
  auto r = raw.get(item("kvs", "alice"));
  EXPECT_EQ(r.status, 503u) << r.body;
  std::cout << "[ measure  ] 503 answers with every owner down took "
            << std::chrono::duration<double>(steady::now() - t0).count() << " s (router --request-deadline 10s)\n";
  EXPECT_EQ(raw.get("/healthz").status, 200u);
}

}  // namespace
}  // namespace ropekv::integration
