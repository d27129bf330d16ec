// The router's HTTP API (DESIGN §8) against a real cluster on loopback
// (cluster_api_fixture.hpp): tables, items with conditions, versions and
// as_of, keys as bytes, every 400/404/405/413, TTL, batch, partitions and
// rollback, the cluster view and ops endpoints, and, last, 503 with every
// owner down. Queries within a hash key, local indexes and scans:
// cluster_api_query_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "cluster_api_fixture.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

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
