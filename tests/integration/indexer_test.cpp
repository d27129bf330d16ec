// Global secondary indexes end to end: real placement, owners, router and
// two indexers on loopback, driven through the router's HTTP API (DESIGN
// §7, docs/indexes.md).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "http_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;

class indexer_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_options o;
    o.indexers = 3;  // every index on 2 of them: one spare
    o.placement_args = "--indexer-timeout=2s";
    o.indexer_args = "--heartbeat=200ms --feed-wait=500ms";
    cluster_ = new cluster_harness(o);
    ASSERT_TRUE(cluster_->start());
    ASSERT_TRUE(cluster_->create_table("people", R"({"hash_key":"id","segments":3})"));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (cluster_ == nullptr) GTEST_SKIP() << "cluster did not start";
    http_ = std::make_unique<http_client>(cluster_->router_port(), 30s);
  }

  http_client& c() { return *http_; }

  void put(const std::string& table, const std::string& key, const std::string& body) {
    auto r = c().put("/v1/tables/" + table + "/items/" + key, body);
    ASSERT_EQ(r.status, 200u) << r.body;
  }

  /// PUT the index, then wait until GET shows it active.
  ::testing::AssertionResult create_index(const std::string& table, const std::string& name, const std::string& spec,
                                          std::chrono::milliseconds bound = 60s) {
    auto r = c().put("/v1/tables/" + table + "/indexes/" + name, spec);
    if (r.status != 201 && r.status != 200) return ::testing::AssertionFailure() << r.status << " " << r.body;
    return wait_active(table, name, bound);
  }

  ::testing::AssertionResult wait_active(const std::string& table, const std::string& name,
                                         std::chrono::milliseconds bound = 60s) {
    auto until = std::chrono::steady_clock::now() + bound;
    std::string last;
    while (std::chrono::steady_clock::now() < until) {
      auto r = c().get("/v1/tables/" + table + "/indexes/" + name);
      last = r.body;
      if (r.status == 200 && r.json()["state"] == "active") return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(100ms);
    }
    return ::testing::AssertionFailure() << "index " << name << " never active: " << last;
  }

  /// The hash keys a query returns, in order (all pages).
  std::vector<std::string> keys_of(const std::string& table, const std::string& index, const std::string& query,
                                   unsigned* status = nullptr) {
    std::vector<std::string> out;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      std::string target = "/v1/tables/" + table + "/indexes/" + index + "/items?" + query;
      if (!cursor.empty()) target += "&cursor=" + cursor;
      auto r = c().get(target);
      if (status) *status = r.status;
      if (r.status != 200) {
        ADD_FAILURE() << target << " -> " << r.status << " " << r.body;
        return out;
      }
      auto d = r.json();
      for (const auto& item : d["items"].GetArray()) out.push_back(item["hash_key"].GetString());
      if (!d.HasMember("cursor")) break;
      cursor = d["cursor"].GetString();
    }
    return out;
  }

  static inline cluster_harness* cluster_ = nullptr;
  std::unique_ptr<http_client> http_;
};

TEST_F(indexer_suite, numbers_sort_numerically_strings_by_bytes_and_other_types_are_not_indexed) {
  put("people", "a", R"({"age":9,"city":"Oslo","profile":{"score":10}})");
  put("people", "b", R"({"age":10,"city":"Bergen","profile":{"score":-2.5}})");
  put("people", "c", R"({"age":100,"city":"oslo","profile":{"score":1e3}})");
  put("people", "d", R"({"age":"ten","city":7})");        // wrong types: in neither index
  put("people", "e", R"({"name":"no attributes"})");
  put("people", "f", R"({"age":-1,"city":"Ålesund"})");
  ASSERT_TRUE(create_index("people", "by_age", R"({"attribute":"age","type":"number"})"));
  ASSERT_TRUE(create_index("people", "by_city", R"({"attribute":"city","type":"string","projection":"keys"})"));
  ASSERT_TRUE(create_index("people", "by_score", R"({"attribute":"profile.score","type":"number"})"));

  EXPECT_EQ(keys_of("people", "by_age", ""), (std::vector<std::string>{"f", "a", "b", "c"}));
  EXPECT_EQ(keys_of("people", "by_age", "from=9&to=100"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(keys_of("people", "by_age", "reverse=true&limit=1"), (std::vector<std::string>{"c", "b", "a", "f"}));
  EXPECT_EQ(keys_of("people", "by_age", "eq=10"), (std::vector<std::string>{"b"}));
  EXPECT_EQ(keys_of("people", "by_city", ""), (std::vector<std::string>{"b", "a", "c", "f"}));  // bytes: B < O < o < Å
  EXPECT_EQ(keys_of("people", "by_score", "from=-3&to=11"), (std::vector<std::string>{"b", "a"}));

  // Projection: keys only vs the whole item.
  auto keys_only = c().get("/v1/tables/people/indexes/by_city/items?eq=Oslo").json();
  ASSERT_EQ(keys_only["items"].Size(), 1u);
  EXPECT_FALSE(keys_only["items"][0].HasMember("item"));
  EXPECT_TRUE(keys_only.HasMember("lag_ms"));
  auto all = c().get("/v1/tables/people/indexes/by_age/items?eq=9").json();
  ASSERT_EQ(all["items"].Size(), 1u);
  EXPECT_EQ(all["items"][0]["item"]["city"], "Oslo");

  // Updates move entries; a value of another type leaves the index; deletes remove.
  put("people", "a", R"({"age":1000,"city":"Oslo"})");
  put("people", "b", R"({"age":"old","city":"Bergen"})");
  ASSERT_EQ(c().del("/v1/tables/people/items/c").status, 200u);
  std::vector<std::string> want{"f", "a"};
  auto until = std::chrono::steady_clock::now() + 20s;
  while (keys_of("people", "by_age", "") != want && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(keys_of("people", "by_age", ""), want);

  // GET /v1/tables lists the table's indexes.
  auto tables = c().get("/v1/tables").json();
  bool listed = false;
  for (const auto& t : tables["tables"].GetArray()) {
    if (t["name"] != "people") continue;
    std::set<std::string> names;
    for (const auto& ix : t["indexes"].GetArray()) names.insert(ix["name"].GetString());
    listed = names == std::set<std::string>{"by_age", "by_city", "by_score"};
  }
  EXPECT_TRUE(listed) << c().get("/v1/tables").body;
}

TEST_F(indexer_suite, a_unique_index_reports_values_held_by_more_than_one_item) {
  ASSERT_TRUE(cluster_->create_table("accounts", R"({"hash_key":"id"})"));
  ASSERT_TRUE(create_index("accounts", "by_email", R"({"attribute":"email","unique":true,"projection":"keys"})"));
  put("accounts", "a1", R"({"email":"x@example.com"})");
  put("accounts", "a2", R"({"email":"y@example.com"})");
  put("accounts", "a3", R"({"email":"x@example.com"})");  // the violation
  auto violations = [&] {
    auto d = c().get("/v1/tables/accounts/indexes/by_email").json();
    return d.HasMember("unique_violations") ? d["unique_violations"].GetUint64() : 99;
  };
  auto until = std::chrono::steady_clock::now() + 20s;
  while (violations() != 1 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(violations(), 1u);
  auto holders = keys_of("accounts", "by_email", "eq=x@example.com");  // rope order: by key hash
  EXPECT_EQ(std::set<std::string>(holders.begin(), holders.end()), (std::set<std::string>{"a1", "a3"}));
  put("accounts", "a3", R"({"email":"z@example.com"})");  // resolved
  until = std::chrono::steady_clock::now() + 20s;
  while (violations() != 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(violations(), 0u);
}

TEST_F(indexer_suite, bad_input_gets_typed_errors) {
  ASSERT_TRUE(create_index("people", "by_age2", R"({"attribute":"age","type":"number"})"));
  auto code = [&](const http_reply& r) { return r.json()["error"]["code"].GetString(); };
  auto r = c().get("/v1/tables/nope/indexes/by_age2/items?eq=1");
  EXPECT_EQ(r.status, 404u) << r.body;
  r = c().get("/v1/tables/people/indexes/nope/items?eq=1");
  EXPECT_EQ(r.status, 404u) << r.body;
  r = c().get("/v1/tables/people/indexes/by_age2/items?eq=abc");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_STREQ(code(r), "index_type_mismatch");
  r = c().get("/v1/tables/people/indexes/by_age2/items?cursor=!!!");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_STREQ(code(r), "bad_cursor");
  r = c().get("/v1/tables/people/indexes/by_age2/items?cursor=AAAA");
  EXPECT_EQ(r.status, 400u) << r.body;
  r = c().get("/v1/tables/people/indexes/by_age2/items?after=notatoken");
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_STREQ(code(r), "bad_token");
  r = c().get("/v1/tables/people/indexes/by_age2/items?from=10&to=9");
  EXPECT_EQ(r.status, 400u) << r.body;
  for (const char* spec : {R"({"attribute":"a..b"})", R"({"attribute":""})", R"({"attribute":"a","type":"date"})",
                           R"({"attribute":"a","projection":"some"})", R"({"attribute":"a","unique":"yes"})",
                           R"({"attribute":"a","extra":1})", R"([1])"}) {
    r = c().put("/v1/tables/people/indexes/badone", spec);
    EXPECT_EQ(r.status, 400u) << spec << " -> " << r.body;
  }
  r = c().put("/v1/tables/nope/indexes/xyz", R"({"attribute":"a"})");
  EXPECT_EQ(r.status, 404u) << r.body;
  // Same definition again: 200; another definition under the name: 409.
  r = c().put("/v1/tables/people/indexes/by_age2", R"({"attribute":"age","type":"number"})");
  EXPECT_EQ(r.status, 200u) << r.body;
  r = c().put("/v1/tables/people/indexes/by_age2", R"({"attribute":"age","type":"string"})");
  EXPECT_EQ(r.status, 409u) << r.body;
  // Delete, then it is gone.
  r = c().del("/v1/tables/people/indexes/by_age2");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(c().get("/v1/tables/people/indexes/by_age2").status, 404u);
  auto until = std::chrono::steady_clock::now() + 10s;
  while (c().get("/v1/tables/people/indexes/by_age2/items").status != 404 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(50ms);
  EXPECT_EQ(c().get("/v1/tables/people/indexes/by_age2/items").status, 404u);
}

TEST_F(indexer_suite, a_write_then_an_after_query_always_sees_the_write_also_across_a_leader_kill) {
  ASSERT_TRUE(cluster_->create_table("ryw", R"({"hash_key":"id","segments":2})"));
  ASSERT_TRUE(create_index("ryw", "by_n", R"({"attribute":"n","type":"number","projection":"keys"})"));
  const int iterations = 1000;
  int victim = -1;
  for (int i = 0; i < iterations; ++i) {
    if (i == iterations / 2) {
      auto segs = cluster_->segments("ryw");
      ASSERT_TRUE(segs && !segs->empty());
      victim = cluster_->index_of((*segs)[0].leader_hint);
      ASSERT_GE(victim, 0);
      cluster_->kill9_owner(static_cast<unsigned>(victim));
    }
    if (i == iterations / 2 + 100) ASSERT_TRUE(cluster_->start_owner(static_cast<unsigned>(victim)));
    std::string key = "u" + std::to_string(i % 97);
    std::string body = "{\"n\":" + std::to_string(i) + "}";
    http_reply w;
    for (int attempt = 0; attempt < 20; ++attempt) {  // a write may meet the election: retry it
      w = c().put("/v1/tables/ryw/items/" + key, body);
      if (w.status == 200) break;
      std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(w.status, 200u) << w.body;
    auto wd = w.json();
    ASSERT_TRUE(wd.HasMember("token")) << w.body;
    std::string token = wd["token"].GetString();
    auto q = c().get("/v1/tables/ryw/indexes/by_n/items?eq=" + std::to_string(i) + "&after=" + token);
    ASSERT_EQ(q.status, 200u) << "iteration " << i << ": " << q.body;
    auto qd = q.json();
    ASSERT_EQ(qd["items"].Size(), 1u) << "iteration " << i << ": " << q.body;
    EXPECT_EQ(std::string(qd["items"][0]["hash_key"].GetString()), key);
  }
}

TEST_F(indexer_suite, an_index_survives_the_kill_of_an_indexer_and_gets_a_new_replica) {
  ASSERT_TRUE(cluster_->create_table("spare", R"({"hash_key":"id"})"));
  for (int i = 0; i < 50; ++i) put("spare", "s" + std::to_string(i), "{\"g\":\"g" + std::to_string(i % 5) + "\"}");
  ASSERT_TRUE(create_index("spare", "by_g", R"({"attribute":"g"})"));
  auto holders = [&] {
    std::set<uint64_t> out;
    auto d = c().get("/v1/tables/spare/indexes/by_g").json();
    for (const auto& r : d["replicas"].GetArray())
      if (r["state"] == "active") out.insert(r["indexer"].GetUint64());
    return out;
  };
  auto until = std::chrono::steady_clock::now() + 30s;
  while (holders().size() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
  auto before = holders();
  ASSERT_EQ(before.size(), 2u);
  // kill -9 one holder: queries keep working from the other.
  int victim = -1;
  for (unsigned i = 0; i < cluster_->indexers(); ++i)
    if (before.count(cluster_->indexer_id(i))) victim = static_cast<int>(i);
  ASSERT_GE(victim, 0);
  uint64_t gone = cluster_->indexer_id(static_cast<unsigned>(victim));
  cluster_->kill9_indexer(static_cast<unsigned>(victim));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(keys_of("spare", "by_g", "eq=g3").size(), 10u);
  // Past --indexer-timeout placement gives the replica to the spare, which backfills.
  until = std::chrono::steady_clock::now() + 60s;
  std::set<uint64_t> after;
  while (std::chrono::steady_clock::now() < until) {
    after = holders();
    if (after.size() == 2 && !after.count(gone)) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(after.size(), 2u) << c().get("/v1/tables/spare/indexes/by_g").body;
  EXPECT_FALSE(after.count(gone));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(keys_of("spare", "by_g", "eq=g3").size(), 10u);
  ASSERT_TRUE(cluster_->start_indexer(static_cast<unsigned>(victim)));
}

}  // namespace
}  // namespace ropekv::integration
