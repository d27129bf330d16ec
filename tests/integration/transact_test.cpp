// POST /v1/transact through the router's HTTP API of a real cluster
// (1 placement, 3 owners, 1 router; transact_fixture.hpp): one-phase and
// cross-segment commits with their versions, cross-table transactions,
// cancellations with a reason per op, and every 400/413 refusal.
// De-duplicated retries: transact_idempotency_test.cpp; what readers and
// the change feed see of a transaction: transact_observe_test.cpp.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ropekv/keys/partition.hpp"
#include "transact_fixture.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using txn::op;
using txn::json_quote;
using transact = transact_suite<0>;

TEST_F(transact, one_segment_commit_gives_every_partition_one_version) {
  std::string a = key_in("txa", 0, "one-a"), b = key_in("txa", 0, "one-b"), g = key_in("txa", 0, "one-g");
  ASSERT_NE(keys::partition_of(a), keys::partition_of(b));
  uint64_t gv = put("txa", g, item(7));
  auto r = run({op("put", "txa", a, put_item(1)), op("put", "txa", b, put_item(2)), op("get", "txa", g),
                op("get", "txa", "one-missing")});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto d = r.json();
  uint64_t v = d["version"].GetUint64();
  EXPECT_GT(v, 0u);
  EXPECT_FALSE(d["deduplicated"].GetBool());
  const auto& ops = d["ops"];
  ASSERT_EQ(ops.Size(), 4u);
  EXPECT_STREQ(ops[0]["op"].GetString(), "put");
  EXPECT_STREQ(ops[0]["table"].GetString(), "txa");
  EXPECT_EQ(ops[0]["version"].GetUint64(), v);
  EXPECT_EQ(ops[1]["version"].GetUint64(), v);
  EXPECT_STREQ(ops[2]["op"].GetString(), "get");
  ASSERT_TRUE(ops[2]["item"].IsObject()) << r.body;
  EXPECT_EQ(ops[2]["item"]["version"].GetUint64(), gv);
  EXPECT_EQ(ops[2]["item"]["item"]["n"].GetInt(), 7);
  EXPECT_STREQ(ops[2]["item"]["hash_key"].GetString(), g.c_str());
  EXPECT_TRUE(ops[3]["item"].IsNull()) << r.body;
  auto ra = get("txa", a), rb = get("txa", b);
  EXPECT_EQ(ra.version, v);
  EXPECT_EQ(rb.version, v);
  EXPECT_EQ(ra.item["n"].GetInt(), 1);
  EXPECT_EQ(rb.item["n"].GetInt(), 2);
}

// Several writes in one partition get consecutive versions, one-phase and
// two-phase alike.
TEST_F(transact, writes_in_one_partition_get_consecutive_versions) {
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "across segments" : "one segment");
    // One hash key, three range keys: one partition (plus, spread, an item
    // of another segment).
    std::string hk = key_in("txr", 1, spread ? "part-s" : "part-1");
    std::vector<std::string> ops{op("put", "txr", hk, "\"range_key\":\"a\"," + put_item(1)),
                                 op("put", "txr", hk, "\"range_key\":\"b\"," + put_item(2)),
                                 op("put", "txr", hk, "\"range_key\":\"c\"," + put_item(3))};
    if (spread) ops.push_back(op("put", "txr", key_in("txr", 3, "part-o"), "\"range_key\":\"a\"," + put_item(4)));
    auto r = run(ops);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = r.json();
    std::set<uint64_t> versions;
    for (int i = 0; i < 3; ++i) versions.insert(d["ops"][i]["version"].GetUint64());
    uint64_t low = *versions.begin();
    EXPECT_EQ(versions, (std::set<uint64_t>{low, low + 1, low + 2})) << r.body;
    if (spread) {
      EXPECT_EQ(d["ops"][3]["version"].GetUint64(), d["version"].GetUint64()) << r.body;
    }
    for (auto [rk, n] : {std::pair<const char*, int>{"a", 1}, {"b", 2}, {"c", 3}}) {
      auto g = get("txr", url_escape(hk) + "/" + rk);
      ASSERT_EQ(g.status, 200u);
      EXPECT_EQ(g.item["n"].GetInt(), n);
      EXPECT_TRUE(versions.count(g.version)) << rk << " at " << g.version;
    }
  }
}

// The answer's "version" is the transaction's V, the first of its
// partitions' consecutive versions (docs: "V, V+1, ..."), on both paths.
TEST_F(transact, one_phase_answers_the_first_version_of_a_partition) {
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "across segments" : "one segment");
    std::string hk = key_in("txr", 2, spread ? "first-s" : "first-1");
    std::vector<std::string> ops{op("put", "txr", hk, "\"range_key\":\"a\"," + put_item(1)),
                                 op("put", "txr", hk, "\"range_key\":\"b\"," + put_item(2))};
    if (spread) ops.push_back(op("put", "txr", key_in("txr", 0, "first-o"), "\"range_key\":\"a\"," + put_item(3)));
    auto r = run(ops);
    ASSERT_EQ(r.status, 200u) << r.body;
    auto d = r.json();
    uint64_t low = std::min(d["ops"][0]["version"].GetUint64(), d["ops"][1]["version"].GetUint64());
    EXPECT_EQ(d["version"].GetUint64(), low) << r.body;
  }
}

TEST_F(transact, cross_segment_commit_is_whole_with_one_version) {
  std::string k0 = key_in("txa", 0, "x-"), k1 = key_in("txa", 1, "x-"), k2 = key_in("txa", 2, "x-"),
              k3 = key_in("txa", 3, "x-"), d1 = key_in("txa", 1, "xd-"), c2 = key_in("txa", 2, "xc-");
  put("txa", k0, item(100));
  uint64_t v3 = put("txa", k3, item(300));
  put("txa", d1, item(5));
  uint64_t vc = put("txa", c2, item(6));
  auto r = run({op("put", "txa", k0, put_item(101, "\"if\":\"exists\"")), op("put", "txa", k1, put_item(201)),
                op("put", "txa", k2, put_item(202, "\"if\":\"absent\"")), op("get", "txa", k3),
                op("delete", "txa", d1), op("check", "txa", c2, "\"if_version\":" + std::to_string(vc))});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto d = r.json();
  uint64_t v = d["version"].GetUint64();
  const auto& ops = d["ops"];
  ASSERT_EQ(ops.Size(), 6u);
  for (int i : {0, 1, 2, 4}) EXPECT_EQ(ops[i]["version"].GetUint64(), v) << "op " << i << ": " << r.body;
  EXPECT_STREQ(ops[4]["op"].GetString(), "delete");
  // The get saw the value before the commit (its own item is not written).
  ASSERT_TRUE(ops[3]["item"].IsObject()) << r.body;
  EXPECT_EQ(ops[3]["item"]["version"].GetUint64(), v3);
  EXPECT_EQ(ops[3]["item"]["item"]["n"].GetInt(), 300);
  EXPECT_STREQ(ops[5]["op"].GetString(), "check");
  EXPECT_EQ(ops[5]["version"].GetUint64(), vc);
  // Every participant applied it (strong reads meet no half of it).
  for (auto [k, n] : {std::pair<std::string, int>{k0, 101}, {k1, 201}, {k2, 202}}) {
    auto g = get("txa", url_escape(k));
    ASSERT_EQ(g.status, 200u) << k;
    EXPECT_EQ(g.version, v) << k;
    EXPECT_EQ(g.item["n"].GetInt(), n) << k;
  }
  EXPECT_EQ(get("txa", url_escape(d1)).status, 404u);
  EXPECT_EQ(get("txa", url_escape(c2)).version, vc);
  // A later transaction's get sees the committed values.
  auto later = run({op("get", "txa", k1), op("get", "txa", k2)});
  ASSERT_EQ(later.status, 200u) << later.body;
  EXPECT_EQ(later.json()["ops"][0]["item"]["item"]["n"].GetInt(), 201);
  EXPECT_EQ(later.json()["ops"][1]["item"]["version"].GetUint64(), v);
}

TEST_F(transact, cross_table_transaction_commits_with_one_version) {
  std::string a = key_in("txa", 2, "ct-"), b = key_in("txr", 3, "ct-"), c = key_in("txb", 1, "ct-");
  uint64_t cv = put("txb", c, item(9));
  auto r = run({op("put", "txa", a, put_item(1)), op("put", "txr", b, "\"range_key\":\"r\"," + put_item(2)),
                op("check", "txb", c, "\"if\":\"exists\"")});
  ASSERT_EQ(r.status, 200u) << r.body;
  auto d = r.json();
  uint64_t v = d["version"].GetUint64();
  EXPECT_STREQ(d["ops"][1]["table"].GetString(), "txr");
  EXPECT_STREQ(d["ops"][2]["table"].GetString(), "txb");
  EXPECT_EQ(d["ops"][0]["version"].GetUint64(), v);
  EXPECT_EQ(d["ops"][1]["version"].GetUint64(), v);
  EXPECT_EQ(d["ops"][2]["version"].GetUint64(), cv);
  EXPECT_EQ(get("txa", url_escape(a)).version, v);
  EXPECT_EQ(get("txr", url_escape(b) + "/r").version, v);
  // A range-key table's get answers the range key too.
  auto g = run({op("get", "txr", b, "\"range_key\":\"r\""), op("get", "txb", c)});
  ASSERT_EQ(g.status, 200u) << g.body;
  EXPECT_STREQ(g.json()["ops"][0]["item"]["range_key"].GetString(), "r");
  EXPECT_EQ(g.json()["ops"][1]["item"]["version"].GetUint64(), cv);
}

// One segment (one-phase) and four (two-phase): the same refusal.
void expect_canceled(transact& t, const http_reply& r, const std::vector<std::pair<std::string, uint64_t>>& want) {
  ASSERT_EQ(r.status, 409u) << r.body;
  auto d = r.json();
  ASSERT_STREQ(d["error"]["code"].GetString(), "transaction_canceled") << r.body;
  const auto& reasons = d["error"]["reasons"];
  ASSERT_EQ(reasons.Size(), want.size()) << r.body;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(reasons[i]["index"].GetUint64(), i) << r.body;
    EXPECT_EQ(reasons[i]["code"].GetString(), want[i].first) << "op " << i << ": " << r.body;
    if (want[i].second != 0)
      EXPECT_EQ(reasons[i].HasMember("version") ? reasons[i]["version"].GetUint64() : 0, want[i].second)
          << "op " << i << ": " << r.body;
    else
      EXPECT_FALSE(reasons[i].HasMember("version")) << "op " << i << ": " << r.body;
  }
}

TEST_F(transact, canceled_transactions_write_nothing_and_give_a_reason_per_op) {
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "across segments" : "one segment");
    std::string p = spread ? "cs-" : "c1-";
    auto seg = [&](size_t s) { return spread ? s : 0; };
    std::string a = key_in("txa", seg(0), p + "a"), b = key_in("txa", seg(1), p + "b"),
                c = key_in("txa", seg(2), p + "c"), d = key_in("txa", seg(3), p + "d"),
                e = key_in("txa", seg(1), p + "e"), g = key_in("txa", seg(2), p + "g");
    uint64_t va = put("txa", a, item(1));
    uint64_t vc = put("txa", c, item(3));
    uint64_t vd = put("txa", d, item(4));
    put("txa", g, item(8));
    auto r = run({op("put", "txa", a, put_item(11, "\"if\":\"absent\"")),         // fails: exists
                  op("put", "txa", b, put_item(12)),                               // fine
                  op("check", "txa", c, "\"if_version\":" + std::to_string(vc + 1000)),  // fails
                  op("delete", "txa", d, "\"if_version\":" + std::to_string(vd)),  // fine
                  op("check", "txa", e, "\"if\":\"exists\""),                      // fails: absent
                  op("get", "txa", g)});
    expect_canceled(*this, r, {{"condition_failed", va}, {"none", 0}, {"condition_failed", vc},
                               {"none", 0}, {"condition_failed", 0}, {"none", 0}});
    EXPECT_EQ(get("txa", url_escape(a)).version, va);
    EXPECT_EQ(get("txa", url_escape(a)).item["n"].GetInt(), 1);
    EXPECT_EQ(get("txa", url_escape(b)).status, 404u);
    EXPECT_EQ(get("txa", url_escape(d)).version, vd);
    EXPECT_EQ(get("txa", url_escape(e)).status, 404u);
    // No lock left behind: the same items take a write at once.
    auto ok = run({op("put", "txa", a, put_item(21, "\"if_version\":" + std::to_string(va))),
                   op("put", "txa", b, put_item(22, "\"if\":\"absent\""))});
    EXPECT_EQ(ok.status, 200u) << ok.body;
  }
}

TEST_F(transact, malformed_transactions_answer_400_and_run_nothing) {
  std::string victim = key_in("txa", 1, "inv-victim");
  std::string put_victim = op("put", "txa", victim, put_item(1));
  std::vector<std::pair<std::string, std::string>> cases = {
      {"no ops member", "{}"},
      {"empty ops", R"({"ops":[]})"},
      {"ops not an array", R"({"ops":{}})"},
      {"unknown top-level member", R"({"ops":[)" + put_victim + R"(],"extra":1})"},
      {"unknown table", txn::body({put_victim, op("put", "no-such-table", "k", put_item(1))})},
      {"two ops on one item", txn::body({put_victim, op("get", "txa", victim)})},
      {"two puts on one item", txn::body({put_victim, op("put", "txa", victim, put_item(2))})},
      {"unknown op kind", txn::body({put_victim, op("frob", "txa", "k2")})},
      {"op is not an object", R"({"ops":[)" + put_victim + R"(,1]})"},
      {"op with two kinds", R"({"ops":[)" + put_victim + R"(,{"put":{"table":"txa","hash_key":"k3","item":{}},"get":{"table":"txa","hash_key":"k4"}}]})"},
      {"op without table", R"({"ops":[)" + put_victim + R"(,{"get":{"hash_key":"k5"}}]})"},
      {"op without hash_key", R"({"ops":[)" + put_victim + R"(,{"get":{"table":"txa"}}]})"},
      {"put without item", txn::body({put_victim, op("put", "txa", "k6")})},
      {"item not an object", txn::body({put_victim, op("put", "txa", "k7", "\"item\":5")})},
      {"check without a condition", txn::body({put_victim, op("check", "txa", "k8")})},
      {"bad if", txn::body({put_victim, op("put", "txa", "k9", put_item(1, "\"if\":\"sometimes\""))})},
      {"range_key on a table without one", txn::body({put_victim, op("get", "txa", "k10", "\"range_key\":\"r\"")})},
      {"no range_key on a table with one", txn::body({put_victim, op("get", "txr", "k11")})},
      {"consistency on a get", txn::body({put_victim, op("get", "txa", "k12", "\"consistency\":\"eventual\"")})},
      {"empty request_id", txn::body({put_victim}, "").insert(1, R"("request_id":"",)")},
      {"request_id over 128", txn::body({put_victim}, std::string(129, 'r'))},
      {"request_id not printable", R"({"request_id":"a\u0001b","ops":[)" + put_victim + "]}"},
      {"request_id not a string", R"({"request_id":7,"ops":[)" + put_victim + "]}"},
  };
  std::vector<std::string> over;
  for (int i = 0; i < 1001; ++i) over.push_back(op("get", "txa", "many-" + std::to_string(i)));
  cases.emplace_back("1001 ops", txn::body(over));
  for (const auto& [name, body] : cases) {
    auto r = post_txn(body);
    EXPECT_EQ(r.status, 400u) << name << ": " << r.body;
    EXPECT_EQ(r.error_code(), "invalid_argument") << name << ": " << r.body;
  }
  auto broken = post_txn(R"({"ops":[)");
  EXPECT_EQ(broken.status, 400u) << broken.body;
  EXPECT_EQ(get("txa", url_escape(victim)).status, 404u);
  // Exactly at the limits is fine: 128 characters of request_id, 1000 ops.
  EXPECT_EQ(post_txn(txn::body({put_victim}, std::string(128, 'r'))).status, 200u);
  std::vector<std::string> most;
  for (int i = 0; i < 1000; ++i) most.push_back(op("put", "txa", "most-" + std::to_string(i), put_item(i)));
  auto r = post_txn(txn::body(most, ids_.next()));
  ASSERT_EQ(r.status, 200u) << r.body.substr(0, 400);
  uint64_t v = r.json()["version"].GetUint64();
  EXPECT_EQ(r.json()["ops"].Size(), 1000u);
  for (int i : {0, 499, 999}) {
    auto g = get("txa", "most-" + std::to_string(i));
    EXPECT_EQ(g.version, v);
    EXPECT_EQ(g.item["n"].GetInt(), i);
  }
}

TEST_F(transact, oversized_transactions_answer_413) {
  std::string victim = key_in("txa", 2, "big-victim");
  std::string put_victim = op("put", "txa", victim, put_item(1));
  // One item over 400 KiB.
  std::string big_item = "\"item\":{\"pad\":\"" + std::string(401 * 1024, 'x') + "\"}";
  auto r = post_txn(txn::body({put_victim, op("put", "txa", "big-item", big_item)}));
  EXPECT_EQ(r.status, 413u) << r.body.substr(0, 300);
  EXPECT_EQ(r.error_code(), "too_large");
  // A body over 16 MiB of items of 300 KiB each.
  std::vector<std::string> ops{put_victim};
  std::string pad = "\"item\":{\"pad\":\"" + std::string(300 * 1024, 'y') + "\"}";
  size_t bytes = 0;
  for (int i = 0; bytes <= (size_t{16} << 20) + 4096; ++i) {
    ops.push_back(op("put", "txa", "big-" + std::to_string(i), pad));
    bytes += ops.back().size() + 1;
  }
  std::string body = txn::body(ops);
  ASSERT_GT(body.size(), size_t{16} << 20);
  r = post_txn(body);
  EXPECT_EQ(r.status, 413u) << r.body.substr(0, 300);
  EXPECT_EQ(r.error_code(), "too_large");
  EXPECT_EQ(get("txa", url_escape(victim)).status, 404u);
  EXPECT_EQ(get("txa", "big-0").status, 404u);
}

}  // namespace
}  // namespace ropekv::integration
