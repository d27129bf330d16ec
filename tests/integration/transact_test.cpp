// POST /v1/transact and request_id de-duplication through the router's
// HTTP API of a real cluster (1 placement, 3 owners, 1 router): one-phase
// and cross-segment commits, cancellations with a reason per op, cross-table
// transactions, every 400/413 refusal, de-duplicated retries of PUT, DELETE,
// batch and transact, and readers that never see half a transaction.
// One cluster for the suite (tables of 4 segments); tests use their own keys.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "ropekv/keys/partition.hpp"
#include "txn_support.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using txn::op;
using txn::json_quote;

class transact : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new cluster_harness();
    auto started = cluster_->start();
    if (!started) {
      startup_error_ = new std::string(started.message());
      return;
    }
    for (auto [name, spec] : {std::pair<const char*, const char*>{"txa", R"({"hash_key":"id","segments":4})"},
                              {"txr", R"({"hash_key":"id","range_key":"rk","segments":4})"},
                              {"txb", R"({"hash_key":"id","segments":2})"}}) {
      auto t = cluster_->create_table(name, spec);
      if (!t) {
        startup_error_ = new std::string(t.message());
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }
  void SetUp() override {
    if (startup_error_) FAIL() << "cluster did not start: " << *startup_error_;
    client_ = std::make_unique<http_client>(cluster_->router_port(), 30s);
  }

  http_client& c() { return *client_; }

  /// A request retried while it answers 503 or nothing (the body must be
  /// safe to repeat: a read, or a write with a request_id).
  http_reply retried(std::string_view method, const std::string& target, const std::string& body = {}) {
    auto t0 = steady::now();
    for (;;) {
      auto r = c().request(method, target, body);
      if (txn::outcome_known(r) || steady::now() - t0 > 30s) return r;
      std::this_thread::sleep_for(100ms);
    }
  }
  http_reply post_txn(const std::string& body) { return retried("POST", "/v1/transact", body); }
  /// A transaction with a fresh request_id, retried until its outcome is known.
  http_reply run(const std::vector<std::string>& ops) { return post_txn(txn::body(ops, ids_.next())); }

  /// A hash key of `table` whose items live in its segment `seg` (in the
  /// order /v1/cluster lists them).
  std::string key_in(const std::string& table, size_t seg, const std::string& stem) {
    auto segs = cluster_->segments(table);
    if (!segs || segs->size() <= seg) {
      ADD_FAILURE() << "table " << table << " has no segment " << seg;
      return stem;
    }
    return cluster_harness::key_in((*segs)[seg], cluster_->table_id(table), stem);
  }

  /// Unconditional PUT with a request_id; the written version.
  uint64_t put(const std::string& table, const std::string& path_key, const std::string& item) {
    auto r = retried("PUT", "/v1/tables/" + table + "/items/" + path_key + "?request_id=" + ids_.next(), item);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.json()["version"].GetUint64() : 0;
  }
  txn::item_read get(const std::string& table, const std::string& path_key) {
    for (auto t0 = steady::now();;) {
      txn::item_read out;
      auto r = c().get("/v1/tables/" + table + "/items/" + path_key + "?consistency=strong");
      out.status = r.status;
      if (r.status == 200) {
        auto d = r.json();
        out.version = d["version"].GetUint64();
        out.item.CopyFrom(d["item"], out.item.GetAllocator());
      }
      if (txn::outcome_known(r) || steady::now() - t0 > 30s) return out;
      std::this_thread::sleep_for(100ms);
    }
  }

  static std::string item(int n) { return "{\"n\":" + std::to_string(n) + "}"; }
  static std::string put_item(int n, const std::string& more = {}) {
    return "\"item\":" + item(n) + (more.empty() ? "" : "," + more);
  }

  static cluster_harness* cluster_;
  static std::string* startup_error_;
  std::unique_ptr<http_client> client_;
  txn::request_ids ids_{"txa"};
};
cluster_harness* transact::cluster_ = nullptr;
std::string* transact::startup_error_ = nullptr;

std::string status(const http_reply& r) { return std::to_string(r.status) + " " + r.error_code() + " " + r.body; }

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
    if (spread) EXPECT_EQ(d["ops"][3]["version"].GetUint64(), d["version"].GetUint64()) << r.body;
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

TEST_F(transact, put_and_delete_with_a_request_id_apply_once) {
  std::string k = url_escape(key_in("txa", 3, "idem-"));
  std::string url = "/v1/tables/txa/items/" + k;
  auto first = retried("PUT", url + "?if=absent&request_id=put-once-1", item(1));
  ASSERT_EQ(first.status, 200u) << first.body;
  uint64_t v = first.json()["version"].GetUint64();
  EXPECT_TRUE(first.json()["created"].GetBool());
  // The retry answers the first outcome, not 412 (the item exists now).
  auto again = retried("PUT", url + "?if=absent&request_id=put-once-1", item(1));
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json()["version"].GetUint64(), v);
  EXPECT_TRUE(again.json()["created"].GetBool());
  EXPECT_EQ(get("txa", k).version, v);
  // The same id for another request: 400 (another body, another key, another method).
  EXPECT_EQ(retried("PUT", url + "?if=absent&request_id=put-once-1", item(2)).status, 400u);
  EXPECT_EQ(retried("PUT", url + "?request_id=put-once-1", item(1)).status, 400u);
  // (ids are kept by the segment that applied the write: another key of
  // the same segment is recognised; docs/transactions.md)
  std::string other = url_escape(key_in("txa", 3, "idem-other-"));
  EXPECT_EQ(retried("PUT", "/v1/tables/txa/items/" + other + "?if=absent&request_id=put-once-1", item(1)).status, 400u);
  EXPECT_EQ(retried("DELETE", url + "?request_id=put-once-1").status, 400u);
  EXPECT_EQ(get("txa", k).version, v);
  EXPECT_EQ(get("txa", other).status, 404u);
  // A conditional update retried: applied once.
  std::string cond = url + "?if_version=" + std::to_string(v) + "&request_id=put-once-2";
  auto upd = retried("PUT", cond, item(2));
  ASSERT_EQ(upd.status, 200u) << upd.body;
  uint64_t v2 = upd.json()["version"].GetUint64();
  auto upd2 = retried("PUT", cond, item(2));
  ASSERT_EQ(upd2.status, 200u) << upd2.body;
  EXPECT_EQ(upd2.json()["version"].GetUint64(), v2);
  EXPECT_FALSE(upd2.json()["created"].GetBool());
  // DELETE: the retry answers 200 with the delete's version, not 404.
  auto del = retried("DELETE", url + "?request_id=del-once-1");
  ASSERT_EQ(del.status, 200u) << del.body;
  uint64_t dv = del.json()["version"].GetUint64();
  EXPECT_GT(dv, v2);
  auto del2 = retried("DELETE", url + "?request_id=del-once-1");
  ASSERT_EQ(del2.status, 200u) << del2.body;
  EXPECT_EQ(del2.json()["version"].GetUint64(), dv);
  EXPECT_EQ(get("txa", k).status, 404u);
  // A failed conditional write is an outcome too: its retry answers 412 again
  // even once the condition would hold.
  auto f = retried("PUT", url + "?if=exists&request_id=put-fail-1", item(3));
  EXPECT_EQ(f.status, 412u) << f.body;
  put("txa", k, item(4));
  auto f2 = retried("PUT", url + "?if=exists&request_id=put-fail-1", item(3));
  EXPECT_TRUE(f2.status == 412u || f2.status == 200u) << f2.body;
  // Malformed ids.
  EXPECT_EQ(c().put(url + "?request_id=", item(1)).status, 400u);
  EXPECT_EQ(c().put(url + "?request_id=" + std::string(129, 'x'), item(1)).status, 400u);
  EXPECT_EQ(c().put(url + "?request_id=%01x", item(1)).status, 400u);
  EXPECT_EQ(c().get(url + "?request_id=x").status, 400u);
}

TEST_F(transact, batch_with_a_request_id_applies_each_op_once) {
  std::string a = key_in("txa", 0, "bid-a"), b = key_in("txa", 3, "bid-b");
  std::string body = R"({"request_id":"batch-once-1","ops":[{"op":"put","hash_key":)" + json_quote(a) +
                     R"(,"item":{"n":1},"if":"absent"},{"op":"put","hash_key":)" + json_quote(b) +
                     R"(,"item":{"n":2},"if":"absent"}]})";
  auto first = retried("POST", "/v1/tables/txa/batch", body);
  ASSERT_EQ(first.status, 200u) << first.body;
  auto d1 = first.json();
  ASSERT_EQ(d1["results"][0]["status"].GetUint(), 200u) << first.body;
  ASSERT_EQ(d1["results"][1]["status"].GetUint(), 200u) << first.body;
  auto again = retried("POST", "/v1/tables/txa/batch", body);
  ASSERT_EQ(again.status, 200u) << again.body;
  auto d2 = again.json();
  for (int i : {0, 1}) {
    EXPECT_EQ(d2["results"][i]["status"].GetUint(), 200u) << again.body;
    EXPECT_EQ(d2["results"][i]["result"]["version"].GetUint64(), d1["results"][i]["result"]["version"].GetUint64());
  }
  EXPECT_EQ(get("txa", url_escape(a)).version, d1["results"][0]["result"]["version"].GetUint64());
  // The same id for another batch: 400.
  std::string other = R"({"request_id":"batch-once-1","ops":[{"op":"put","hash_key":)" + json_quote(a) +
                      R"(,"item":{"n":9}}]})";
  // Ops of a batch run independently: the op answers 400 (or the whole batch).
  auto bad = retried("POST", "/v1/tables/txa/batch", other);
  if (bad.status == 200)
    EXPECT_EQ(bad.json()["results"][0]["status"].GetUint(), 400u) << bad.body;
  else
    EXPECT_EQ(bad.status, 400u) << bad.body;
  EXPECT_EQ(get("txa", url_escape(a)).item["n"].GetInt(), 1);
}

TEST_F(transact, transact_with_a_request_id_commits_once) {
  for (bool spread : {false, true}) {
    SCOPED_TRACE(spread ? "across segments" : "one segment");
    std::string p = spread ? "tid-s-" : "tid-1-";
    std::string a = key_in("txa", 0, p + "a"), b = key_in("txa", spread ? 2 : 0, p + "b");
    std::string id = p + "request";
    std::string body = txn::body({op("put", "txa", a, put_item(1, "\"if\":\"absent\"")),
                                  op("put", "txa", b, put_item(2, "\"if\":\"absent\""))},
                                 id);
    auto first = post_txn(body);
    ASSERT_EQ(first.status, 200u) << first.body;
    auto d1 = first.json();
    EXPECT_FALSE(d1["deduplicated"].GetBool());
    uint64_t v = d1["version"].GetUint64();
    auto again = post_txn(body);
    ASSERT_EQ(again.status, 200u) << again.body;  // not canceled: the items exist now
    auto d2 = again.json();
    EXPECT_TRUE(d2["deduplicated"].GetBool()) << again.body;
    EXPECT_EQ(d2["version"].GetUint64(), v);
    ASSERT_EQ(d2["ops"].Size(), 2u);
    EXPECT_EQ(d2["ops"][0]["version"].GetUint64(), v);
    EXPECT_EQ(d2["ops"][1]["version"].GetUint64(), v);
    EXPECT_EQ(get("txa", url_escape(a)).version, v);
    EXPECT_EQ(get("txa", url_escape(b)).version, v);
    // The same id for another transaction: 400, nothing written (a
    // two-phase one's id: the test below).
    if (!spread) {
      auto other = post_txn(txn::body({op("put", "txa", a, put_item(5))}, id));
      EXPECT_EQ(other.status, 400u) << other.body;
      EXPECT_EQ(get("txa", url_escape(a)).version, v);
    }
    // A get's item is part of the outcome a retry gets back.
    std::string gid = p + "reader";
    std::string gbody = txn::body({op("get", "txa", a), op("put", "txa", key_in("txa", spread ? 3 : 0, p + "w"), put_item(3))}, gid);
    auto g1 = post_txn(gbody);
    ASSERT_EQ(g1.status, 200u) << g1.body;
    put("txa", a, item(6));
    auto g2 = post_txn(gbody);
    ASSERT_EQ(g2.status, 200u) << g2.body;
    EXPECT_TRUE(g2.json()["deduplicated"].GetBool());
    EXPECT_EQ(g2.json()["ops"][0]["item"]["version"].GetUint64(), v) << g2.body;
    EXPECT_EQ(g2.json()["ops"][0]["item"]["item"]["n"].GetInt(), 1) << g2.body;
    // A canceled transaction may run again under its id.
    std::string cid = p + "canceled";
    std::string cbody = txn::body({op("put", "txa", a, put_item(7, "\"if\":\"absent\"")),
                                   op("put", "txa", b, put_item(8))},
                                  cid);
    auto c1 = post_txn(cbody);
    ASSERT_EQ(c1.status, 409u) << c1.body;
    EXPECT_EQ(c1.error_code(), "transaction_canceled");
    ASSERT_EQ(retried("DELETE", "/v1/tables/txa/items/" + url_escape(a) + "?request_id=" + p + "del").status, 200u);
    auto c2 = post_txn(cbody);
    ASSERT_EQ(c2.status, 200u) << c2.body;
    EXPECT_FALSE(c2.json()["deduplicated"].GetBool());
    EXPECT_EQ(get("txa", url_escape(b)).item["n"].GetInt(), 8);
  }
}

// A committed two-phase transaction's request_id, reused for another
// transaction with its op 0 in the same segment (one-phase or two-phase),
// answers 400 and writes nothing (the router's fingerprint of the whole
// request is kept with the outcome).
TEST_F(transact, reusing_a_two_phase_transactions_request_id_answers_400) {
  std::string a = key_in("txa", 1, "reuse-a"), b = key_in("txa", 2, "reuse-b");
  std::string id = "reuse-two-phase";
  auto first = post_txn(txn::body({op("put", "txa", a, put_item(1)), op("put", "txa", b, put_item(2))}, id));
  ASSERT_EQ(first.status, 200u) << first.body;
  uint64_t v = first.json()["version"].GetUint64();
  auto one_phase = post_txn(txn::body({op("put", "txa", a, put_item(3))}, id));
  EXPECT_EQ(one_phase.status, 400u) << one_phase.body;
  auto two_phase = post_txn(txn::body({op("put", "txa", a, put_item(4)), op("put", "txa", key_in("txa", 3, "reuse-c"), put_item(5))}, id));
  EXPECT_EQ(two_phase.status, 400u) << two_phase.body;
  EXPECT_EQ(get("txa", url_escape(a)).version, v);
}

// Two items in different segments always written together with one value
// n. Readers see them equal in a two-get transaction, and strong GETs read
// one after the other never go backwards across the pair: a strong read of
// one item after another saw n sees at least n, and the writer's strong
// read of the secondary item right after a commit sees exactly n.
TEST_F(transact, readers_never_see_half_a_transaction) {
  std::string a = key_in("txa", 0, "pair-a"), b = key_in("txa", 3, "pair-b");
  ASSERT_EQ(run({op("put", "txa", a, put_item(0)), op("put", "txa", b, put_item(0))}).status, 200u);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0}, txn_reads{0}, get_reads{0};
  std::vector<std::string> failures;
  std::mutex mu;
  auto fail = [&](std::string why) {
    std::lock_guard lock(mu);
    if (failures.size() < 20) failures.push_back(std::move(why));
  };
  const uint16_t port = cluster_->router_port();
  auto value = [](const rapidjson::Value& item) { return item.IsObject() ? item["item"]["n"].GetInt() : -1; };
  std::thread writer([&] {
    http_client w(port, 30s);
    txn::request_ids ids("pair-w");
    for (int n = 1; !stop; ++n) {
      std::string body = txn::body({op("put", "txa", a, put_item(n)), op("put", "txa", b, put_item(n))}, ids.next());
      http_reply r;
      for (auto t0 = steady::now(); steady::now() - t0 < 30s;) {
        r = w.post("/v1/transact", body);
        if (txn::outcome_known(r) && r.error_code() != "conflict") break;
        std::this_thread::sleep_for(20ms);
      }
      if (r.status != 200) return fail("writer: " + status(r));
      ++commits;
      for (const auto& k : {b, a}) {
        auto g = txn::strong_get(w, "txa", k);
        if (g.status != 200 || g.item["n"].GetInt() != n)
          return fail("strong GET of " + k + " right after commit " + std::to_string(n) + ": " +
                      std::to_string(g.status) + " n=" + (g.status == 200 ? std::to_string(g.item["n"].GetInt()) : "-"));
      }
    }
  });
  std::vector<std::thread> readers;
  readers.emplace_back([&] {
    http_client rc(port, 30s);
    while (!stop) {
      auto r = rc.post("/v1/transact", txn::body({op("get", "txa", a), op("get", "txa", b)}));
      if (r.status == 409 && r.error_code() == "conflict") continue;
      if (r.status != 200) return fail("two-get transaction: " + status(r));
      auto d = r.json();
      int x = value(d["ops"][0]["item"]), y = value(d["ops"][1]["item"]);
      if (x != y) return fail("two-get transaction saw a=" + std::to_string(x) + " b=" + std::to_string(y));
      ++txn_reads;
      // A read transaction locks both partitions too (no-wait): leave the
      // writer room, or it mostly loses.
      std::this_thread::sleep_for(5ms);
    }
  });
  for (bool a_first : {true, false})
    readers.emplace_back([&, a_first] {
      http_client rc(port, 30s);
      const std::string& first = a_first ? a : b;
      const std::string& second = a_first ? b : a;
      while (!stop) {
        auto x = txn::strong_get(rc, "txa", first);
        auto y = txn::strong_get(rc, "txa", second);
        if (x.status != 200 || y.status != 200)
          return fail("strong GETs: " + std::to_string(x.status) + " " + std::to_string(y.status));
        int nx = x.item["n"].GetInt(), ny = y.item["n"].GetInt();
        if (ny < nx)
          return fail("strong GET of " + second + " saw " + std::to_string(ny) + " after " + first + " saw " +
                      std::to_string(nx));
        ++get_reads;
      }
    });
  for (auto t0 = steady::now(); steady::now() - t0 < 8s;) {
    std::this_thread::sleep_for(100ms);
    std::lock_guard lock(mu);
    if (!failures.empty()) break;
  }
  stop = true;
  writer.join();
  for (auto& t : readers) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  std::cout << "[ measure  ] " << commits << " pair commits, " << txn_reads << " two-get transactions, "
            << get_reads << " GET pairs\n";
  EXPECT_GE(commits.load(), 3);
  EXPECT_GE(txn_reads.load(), 3);
  EXPECT_GE(get_reads.load(), 3);
}

}  // namespace
}  // namespace ropekv::integration
