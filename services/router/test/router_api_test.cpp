// The router's HTTP API end to end (in process): health, tables, items,
// conditions, TTL, validation errors, keep-alive.
#include "ropekv/feed/write_token.hpp"
#include "router_fixture.hpp"

namespace ropekv::router::test {
namespace {

using router_api = router_fixture;

TEST_F(router_api, health_ready_metrics_on_one_kept_alive_connection) {
  http_client c(port_);
  auto h = c.get("/healthz");
  EXPECT_EQ(h.status, 200u);
  EXPECT_TRUE(h.keep_alive);
  auto r = c.get("/readyz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.json()["rope_version"].GetUint64(), 1u);
  EXPECT_EQ(c.put(item_url("items", "a", "b"), R"({"x":1})").status, 200u);
  EXPECT_EQ(c.get(item_url("items", "a", "b")).status, 200u);
  EXPECT_EQ(c.get(item_url("items", "a", "nope")).status, 404u);  // errors keep the connection too
  auto m = c.get("/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.content_type.find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find(R"(ropekv_router_requests_total{code="200",route="put_item"} 1)"), std::string::npos)
      << m.body.substr(m.body.find("ropekv_router_requests_total"), 600);
  EXPECT_NE(m.body.find("ropekv_router_request_seconds_bucket"), std::string::npos);
  EXPECT_EQ(c.connections(), 1);
}

TEST_F(router_api, tables_through_placement) {
  http_client c(port_);
  auto created = c.put("/v1/tables/orders", R"({"hash_key":"customer","range_key":"order","replication":1,"default_ttl":60})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto t = created.json();
  EXPECT_STREQ(t["name"].GetString(), "orders");
  EXPECT_STREQ(t["range_key"].GetString(), "order");
  EXPECT_EQ(t["default_ttl"].GetUint64(), 60u);
  auto again = c.put("/v1/tables/orders", R"({"hash_key":"customer"})");
  EXPECT_EQ(again.status, 409u);
  EXPECT_EQ(again.error_code(), "already_exists");
  EXPECT_EQ(c.get("/v1/tables/orders").status, 200u);
  auto list = c.get("/v1/tables");
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.json()["tables"].Size(), 3u);
  EXPECT_EQ(c.del("/v1/tables/orders").status, 200u);
  auto gone = c.get("/v1/tables/orders");
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.error_code(), "not_found");
  EXPECT_EQ(c.del("/v1/tables/orders").status, 404u);
  // Validation before placement is asked.
  EXPECT_EQ(c.put("/v1/tables/ab", R"({"hash_key":"h"})").status, 400u);
  EXPECT_EQ(c.put("/v1/tables/bad!name", R"({"hash_key":"h"})").status, 400u);
  auto bad_json = c.put("/v1/tables/good", R"({"hash_key":)");
  EXPECT_EQ(bad_json.status, 400u);
  EXPECT_EQ(bad_json.error_code(), "invalid_json");
  EXPECT_EQ(c.put("/v1/tables/good", R"({"hash_key":"h","replicaton":3})").status, 400u);
  EXPECT_EQ(c.put("/v1/tables/good", R"(["h"])").status, 400u);
  // /v1/cluster comes from placement, with segment keys in hex.
  auto cluster = c.get("/v1/cluster");
  ASSERT_EQ(cluster.status, 200u);
  auto cj = cluster.json();
  EXPECT_EQ(cj["rope_version"].GetUint64(), 1u);
  EXPECT_EQ(cj["segments"].Size(), 6u);
  EXPECT_EQ(cj["nodes"].Size(), 5u);
  EXPECT_STREQ(cj["segments"][1]["table"].GetString(), "items");
  EXPECT_STREQ(cj["segments"][1]["start_key"].GetString(), "00000001");
}

TEST_F(router_api, put_get_delete_with_versions) {
  http_client c(port_);
  auto url = item_url("items", "user-1", "2024");
  auto first = c.put(url, R"({"name":"a","n":12345678901234567890123})");
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_TRUE(first.json()["created"].GetBool());
  uint64_t v1 = first.json()["version"].GetUint64();
  auto second = c.put(url, R"({"name":"b","n":12345678901234567890123})");
  ASSERT_EQ(second.status, 200u);
  EXPECT_FALSE(second.json()["created"].GetBool());
  uint64_t v2 = second.json()["version"].GetUint64();
  EXPECT_GT(v2, v1);
  // Each write carries its token: table, encoded key, feed position.
  uint64_t last_position = 0;
  for (const auto* w : {&first, &second}) {
    auto token = feed::parse_write_token(w->json()["token"].GetString());
    ASSERT_TRUE(token.ok()) << w->body;
    EXPECT_EQ(token->table_id(), items_id);
    EXPECT_EQ(token->key(), item_key(items_id, "user-1", "2024"));
    EXPECT_GT(token->position(), last_position);
    last_position = token->position();
  }
  auto got = c.get(url);
  ASSERT_EQ(got.status, 200u);
  // The item comes back exactly as sent (big numbers untouched).
  EXPECT_EQ(got.body, R"({"hash_key":"user-1","range_key":"2024","version":)" + std::to_string(v2) +
                          R"(,"item":{"name":"b","n":12345678901234567890123}})");
  EXPECT_EQ(c.get(url + "?consistency=eventual").status, 200u);
  auto old = c.get(url + "?as_of=" + std::to_string(v1));
  ASSERT_EQ(old.status, 200u);
  EXPECT_STREQ(old.json()["item"]["name"].GetString(), "a");
  auto deleted = c.del(url);
  ASSERT_EQ(deleted.status, 200u);
  EXPECT_GT(deleted.json()["version"].GetUint64(), v2);
  auto del_token = feed::parse_write_token(deleted.json()["token"].GetString());
  ASSERT_TRUE(del_token.ok()) << deleted.body;
  EXPECT_EQ(del_token->key(), item_key(items_id, "user-1", "2024"));
  EXPECT_GT(del_token->position(), last_position);
  EXPECT_EQ(c.get(url).status, 404u);
  EXPECT_EQ(c.del(url).status, 404u);
  // Tables without a range key: /items/{hk}.
  auto kv = c.put(item_url("kvs", "k1", ""), R"({"v":1})");
  EXPECT_EQ(kv.status, 200u) << kv.body;
  EXPECT_EQ(c.get(item_url("kvs", "k1", "")).json()["item"]["v"].GetInt(), 1);
  EXPECT_FALSE(c.get(item_url("kvs", "k1", "")).json().HasMember("range_key"));
}

TEST_F(router_api, keys_with_slashes_nuls_and_binary_bytes) {
  http_client c(port_);
  std::string hk("a/b\0c", 5), rk("\xff\xfe", 2);
  ASSERT_EQ(c.put(item_url("items", hk, rk), R"({"x":true})").status, 200u);
  auto got = c.get(item_url("items", hk, rk));
  ASSERT_EQ(got.status, 200u);
  auto j = got.json();
  EXPECT_EQ(std::string(j["hash_key"].GetString(), j["hash_key"].GetStringLength()), hk);
  EXPECT_STREQ(j["range_key_base64"].GetString(), "//4=");
  EXPECT_FALSE(j.HasMember("range_key"));
}

TEST_F(router_api, conditional_writes) {
  http_client c(port_);
  auto url = item_url("items", "cond", "1");
  EXPECT_EQ(c.put(url + "?if=exists", R"({"a":1})").status, 412u);
  auto created = c.put(url + "?if=absent", R"({"a":1})");
  ASSERT_EQ(created.status, 200u);
  uint64_t v = created.json()["version"].GetUint64();
  auto again = c.put(url + "?if=absent", R"({"a":2})");
  EXPECT_EQ(again.status, 412u);
  EXPECT_EQ(again.error_code(), "condition_failed");
  EXPECT_EQ(c.put(url + "?if_version=" + std::to_string(v + 1), R"({"a":3})").status, 412u);
  auto ok = c.put(url + "?if_version=" + std::to_string(v), R"({"a":4})");
  ASSERT_EQ(ok.status, 200u);
  uint64_t v2 = ok.json()["version"].GetUint64();
  EXPECT_EQ(c.put(url + "?if=exists", R"({"a":5})").status, 200u);
  EXPECT_EQ(c.del(url + "?if_version=" + std::to_string(v2)).status, 412u);  // moved on since
  EXPECT_EQ(c.put(url + "?if=absent&if_version=1", R"({})").status, 400u);
  EXPECT_EQ(c.get(url).json()["item"]["a"].GetInt(), 5);
}

TEST_F(router_api, ttl_from_the_parameter_and_expiry) {
  http_client c(port_);
  auto before = request_runtime::now_ms();
  auto url = item_url("items", "ttl", "1");
  ASSERT_EQ(c.put(url + "?ttl=1", R"({"a":1})").status, 200u);
  auto got = c.get(url);
  ASSERT_EQ(got.status, 200u);
  int64_t expires = got.json()["expires_at_ms"].GetInt64();
  EXPECT_GE(expires, before + 1000);
  EXPECT_LE(expires, request_runtime::now_ms() + 1000);
  ASSERT_EQ(c.put(item_url("items", "ttl", "2") + "?ttl=0", R"({"a":1})").status, 200u);
  EXPECT_FALSE(c.get(item_url("items", "ttl", "2")).json().HasMember("expires_at_ms"));
  std::this_thread::sleep_for(std::chrono::milliseconds(expires - request_runtime::now_ms() + 50));
  EXPECT_EQ(c.get(url).status, 404u);
  EXPECT_EQ(c.get(item_url("items", "ttl", "2")).status, 200u);
}

TEST_F(router_api, validation_errors_and_status_codes) {
  http_client c(port_);
  struct check {
    std::string method, target, body;
    unsigned status;
    std::string code;
  };
  std::string big_item = R"({"x":")" + std::string(400 * 1024, 'x') + R"("})";
  std::string huge_body = R"({"x":")" + std::string(1100 * 1024, 'x') + R"("})";
  std::vector<check> checks = {
      {"GET", "/v1/tables/items/items/a%zz/b", "", 400, "invalid_argument"},
      {"GET", "/v1/tables/items/items/a/b%", "", 400, "invalid_argument"},
      {"PUT", "/v1/tables/items/items/a/b", "{not json", 400, "invalid_json"},
      {"PUT", "/v1/tables/items/items/a/b", "[1,2]", 400, "invalid_argument"},
      {"PUT", "/v1/tables/items/items/a/b", "\"str\"", 400, "invalid_argument"},
      {"PUT", "/v1/tables/items/items/a/b", big_item, 413, "too_large"},
      {"PUT", "/v1/tables/items/items/a/b", huge_body, 413, "too_large"},
      {"GET", "/v1/tables/items/items/" + std::string(2049, 'k') + "/b", "", 413, "too_large"},
      {"GET", "/v1/tables/items/items/a/" + std::string(1025, 'r'), "", 413, "too_large"},
      {"GET", "/v1/tables/items/items/a/b?bogus=1", "", 400, "invalid_argument"},
      {"GET", "/v1/tables/items/items/a/b?consistency=weird", "", 400, "invalid_argument"},
      {"GET", "/v1/tables/nosuch/items/a/b", "", 404, "not_found"},
      {"GET", "/v1/tables/kvs/items/a/b", "", 400, "invalid_argument"},   // kv has no range key
      {"PUT", "/v1/tables/items/items/a", "{}", 400, "invalid_argument"},  // items needs one
      {"PUT", "/v1/tables/items/items/a/b", R"({"rank":[1]})", 400, "invalid_argument"},
      {"GET", "/v1/nowhere", "", 404, "not_found"},
      {"PATCH", "/v1/tables/items", "", 405, "method_not_allowed"},
      {"POST", "/v1/transact", "{}", 400, "invalid_argument"},  // no ops
      {"GET", "/v1/tables/items/indexes/by_x/items?eq=1", "", 404, "not_found"},  // no such index
      {"GET", "/v1/tables/items/scan?as_of=5", "", 400, "invalid_argument"},
      {"GET", "/v1/tables/items/items/hot?cursor=garbage!", "", 400, "invalid_argument"},
      {"GET", "/v1/tables/items/items/hot?index=local&cursor=UkMBcwA", "", 400, "invalid_argument"},
  };
  for (const auto& k : checks) {
    auto r = c.request(k.method, k.target, k.body);
    EXPECT_EQ(r.status, k.status) << k.method << " " << k.target.substr(0, 80) << " -> " << r.body.substr(0, 200);
    EXPECT_EQ(r.error_code(), k.code) << k.target.substr(0, 80);
  }
}

TEST_F(router_api, concurrent_clients) {
  // Several kept-alive connections at once, spread over both I/O threads
  // and many request actors; every answer must be right.
  constexpr int clients = 6, rounds = 40;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([this, t, &good] {
      http_client c(port_);
      for (int i = 0; i < rounds; ++i) {
        std::string hk = "c" + std::to_string(t), rk = std::to_string(i);
        auto put = c.put(item_url("items", hk, rk), R"({"i":)" + rk + "}");
        auto got = c.get(item_url("items", hk, rk));
        auto page = c.get("/v1/tables/items/items/" + hk + "?limit=5");
        if (put.status == 200 && got.status == 200 && got.json()["item"]["i"].GetInt() == i &&
            page.status == 200)
          ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), clients * rounds);
  auto scan = http_client(port_).get("/v1/tables/items/scan?limit=1000");
  EXPECT_EQ(scan.json()["items"].Size(), static_cast<size_t>(clients * rounds));
}

}  // namespace
}  // namespace ropekv::router::test
