// Range queries, local-index queries and scans with cursors across
// segments; batch; partition info and rollback.
#include "ropekv/feed/write_token.hpp"
#include "router_fixture.hpp"

namespace ropekv::router::test {
namespace {

using router_queries = router_fixture;

// All pages of `target` (which has no cursor yet): the items' range keys
// (or hash keys, for scans) and the number of pages.
std::pair<std::vector<std::string>, int> all_pages(http_client& c, const std::string& target,
                                                   const char* key = "range_key") {
  std::vector<std::string> out;
  std::string cursor;
  int pages = 0;
  for (;;) {
    std::string sep = target.find('?') == std::string::npos ? "?" : "&";
    auto r = c.get(cursor.empty() ? target : target + sep + "cursor=" + cursor);
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) break;
    ++pages;
    auto j = r.json();
    for (const auto& item : j["items"].GetArray()) out.emplace_back(item[key].GetString());
    if (!j.HasMember("cursor")) break;
    cursor = j["cursor"].GetString();
    if (pages > 200) {
      ADD_FAILURE() << "endless paging";
      break;
    }
  }
  return {out, pages};
}

std::vector<std::string> letters(char from, char to) {
  std::vector<std::string> out;
  for (char c = from; c <= to; ++c) out.emplace_back(1, c);
  return out;
}

TEST_F(router_queries, range_query_over_a_hash_key_split_across_segments) {
  http_client c(port_);
  for (const auto& rk : letters('a', 'z'))
    ASSERT_EQ(c.put(item_url("items", hot, rk), R"({"v":")" + rk + R"("})").status, 200u);
  ASSERT_EQ(c.put(item_url("items", "hotter", "a"), "{}").status, 200u);
  EXPECT_GT(faults_[1]->requests.load(), 0);  // "a".."l" live on segment A
  EXPECT_GT(faults_[2]->requests.load(), 0);  // "m".."z" on segment B
  auto [all, pages] = all_pages(c, "/v1/tables/items/items/hot?limit=5");
  EXPECT_EQ(all, letters('a', 'z'));
  EXPECT_GE(pages, 6);
  auto [down, _] = all_pages(c, "/v1/tables/items/items/hot?limit=4&reverse=true");
  auto want = letters('a', 'z');
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(down, want);
  auto [bounded, __] = all_pages(c, "/v1/tables/items/items/hot?from=k&to=o&limit=2");
  EXPECT_EQ(bounded, letters('k', 'n'));
  auto one = c.get("/v1/tables/items/items/hot?limit=1000");
  EXPECT_FALSE(one.json().HasMember("cursor"));
  EXPECT_EQ(one.json()["items"].Size(), 26u);
  // A cursor replayed on another query is refused.
  auto page = c.get("/v1/tables/items/items/hot?limit=3").json();
  std::string cursor = page["cursor"].GetString();
  EXPECT_EQ(c.get("/v1/tables/items/items/hot?reverse&cursor=" + cursor).status, 400u);
  EXPECT_EQ(c.get("/v1/tables/items/items/hot?index=local&cursor=" + cursor).status, 400u);
}

TEST_F(router_queries, local_index_query_in_rk2_order) {
  http_client c(port_);
  std::vector<std::pair<std::string, std::string>> expected;  // (rank, rk)
  for (const auto& rk : letters('a', 'z')) {
    std::string rank = "r" + std::to_string(100 - (rk[0] - 'a') / 3);
    ASSERT_EQ(c.put(item_url("items", hot, rk), R"({"rank":")" + rank + R"("})").status, 200u);
    expected.emplace_back(rank, rk);
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> want;
  for (const auto& [rank, rk] : expected) want.push_back(rk);
  auto [got, pages] = all_pages(c, "/v1/tables/items/items/hot?index=local&limit=4");
  EXPECT_EQ(got, want);
  auto [bounded, _] = all_pages(c, "/v1/tables/items/items/hot?index=local&from=r95&to=r97");
  std::vector<std::string> want_bounded;
  for (const auto& [rank, rk] : expected)
    if (rank >= "r95" && rank < "r97") want_bounded.push_back(rk);
  EXPECT_EQ(bounded, want_bounded);
  EXPECT_EQ(c.get("/v1/tables/kvs/items/x?index=local").status, 400u);
}

TEST_F(router_queries, scan_walks_every_segment_with_cursors) {
  http_client c(port_);
  std::vector<std::string> keys;
  for (int i = 0; i < 30; ++i) {
    std::string hk = "scan" + std::to_string(i);
    ASSERT_EQ(c.put(item_url("items", hk, "r"), "{}").status, 200u);
    keys.push_back(item_key(items_id, hk, "r"));
    ASSERT_EQ(c.put(item_url("kvs", hk, ""), "{}").status, 200u);  // other table
  }
  std::sort(keys.begin(), keys.end());
  auto [hks, pages] = all_pages(c, "/v1/tables/items/scan?limit=4", "hash_key");
  std::vector<std::string> got;
  for (const auto& hk : hks) got.push_back(item_key(items_id, hk, "r"));
  EXPECT_EQ(got, keys);
  EXPECT_GE(pages, 8);
  for (uint64_t node : {1, 2, 3}) EXPECT_GT(faults_[node]->requests.load(), 0) << node;
  auto [kv, _] = all_pages(c, "/v1/tables/kvs/scan?limit=1000&consistency=eventual", "hash_key");
  EXPECT_EQ(kv.size(), 30u);
}

TEST_F(router_queries, batch_runs_independent_ops_in_order) {
  http_client c(port_);
  ASSERT_EQ(c.put(item_url("items", "b1", "x"), R"({"old":true})").status, 200u);
  auto r = c.post("/v1/tables/items/batch", R"({"ops":[
      {"op":"put","hash_key":"b2","range_key":"x","item":{"n":1}},
      {"op":"get","hash_key":"b1","range_key":"x"},
      {"op":"get","hash_key":"missing","range_key":"x"},
      {"op":"put","hash_key":"b1","range_key":"x","item":{"n":2},"if":"absent"},
      {"op":"delete","hash_key":"b1","range_key":"x"},
      {"op":"put","hash_key_base64":"/wA=","range_key":"x","item":{"bin":1},"ttl":100}]})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto j = r.json();
  const auto& res = j["results"];
  ASSERT_EQ(res.Size(), 6u);
  EXPECT_EQ(res[0]["status"].GetUint(), 200u);
  EXPECT_TRUE(res[0]["result"]["created"].GetBool());
  EXPECT_EQ(res[1]["status"].GetUint(), 200u);
  EXPECT_TRUE(res[1]["result"]["item"]["old"].GetBool());
  EXPECT_EQ(res[2]["status"].GetUint(), 404u);
  EXPECT_STREQ(res[2]["error"]["code"].GetString(), "not_found");
  EXPECT_EQ(res[3]["status"].GetUint(), 412u);
  EXPECT_EQ(res[5]["status"].GetUint(), 200u);
  // Every write that succeeded carries its token; reads and failures none.
  for (unsigned i : {0u, 4u, 5u}) {
    if (i == 4 && res[i]["status"].GetUint() != 200u) continue;  // ran before the get: 404
    ASSERT_TRUE(res[i]["result"].HasMember("token")) << i;
    auto token = feed::parse_write_token(res[i]["result"]["token"].GetString());
    ASSERT_TRUE(token.ok()) << i;
    EXPECT_EQ(token->table_id(), items_id);
    EXPECT_GT(token->position(), 0u);
  }
  EXPECT_EQ(feed::parse_write_token(res[0]["result"]["token"].GetString())->key(), item_key(items_id, "b2", "x"));
  EXPECT_EQ(feed::parse_write_token(res[5]["result"]["token"].GetString())->key(),
            item_key(items_id, std::string("\xff\x00", 2), "x"));
  EXPECT_FALSE(res[1]["result"].HasMember("token"));
  EXPECT_EQ(c.get(item_url("items", "b2", "x")).status, 200u);
  EXPECT_EQ(c.get(item_url("items", std::string("\xff\x00", 2), "x")).status, 200u);
  auto bad = c.post("/v1/tables/items/batch", R"({"ops":[{"op":"get","hash_key":"a","range_key":"x"},{"op":"fly"}]})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_NE(bad.body.find("ops[1]"), std::string::npos);
  EXPECT_EQ(c.post("/v1/tables/items/batch", "{").status, 400u);
  EXPECT_EQ(c.post("/v1/tables/nosuch/batch", R"({"ops":[]})").status, 404u);
}

TEST_F(router_queries, partition_info_and_rollback) {
  http_client c(port_);
  auto url = item_url("items", "roll", "1");
  uint64_t v1 = c.put(url, R"({"step":1})").json()["version"].GetUint64();
  ASSERT_EQ(c.put(url, R"({"step":2})").status, 200u);
  ASSERT_EQ(c.put(item_url("items", "roll", "2"), R"({"step":1})").status, 200u);
  unsigned p = keys::partition_of("roll");
  auto info = c.get("/v1/tables/items/partitions/" + std::to_string(p));
  ASSERT_EQ(info.status, 200u) << info.body;
  auto ij = info.json();
  EXPECT_EQ(ij["items"].GetUint64(), 2u);
  EXPECT_GT(ij["head_version"].GetUint64(), v1);
  EXPECT_EQ(ij["segments"].Size(), 1u);
  auto rb = c.post("/v1/tables/items/partitions/" + std::to_string(p) + "/rollback",
                   R"({"to_version":)" + std::to_string(v1) + "}");
  ASSERT_EQ(rb.status, 200u) << rb.body;
  EXPECT_EQ(rb.json()["to_version"].GetUint64(), v1);
  auto back = c.get(url);
  ASSERT_EQ(back.status, 200u);
  EXPECT_EQ(back.json()["item"]["step"].GetInt(), 1);
  EXPECT_EQ(c.get(item_url("items", "roll", "2")).status, 404u);
  EXPECT_EQ(c.get("/v1/tables/items/partitions/65536").status, 400u);
  EXPECT_EQ(c.post("/v1/tables/items/partitions/1/rollback", R"({"to":1})").status, 400u);
  // The partition holding the split hash key spans segments A and B.
  unsigned hot_p = keys::partition_of(hot);
  ASSERT_EQ(c.put(item_url("items", hot, "a"), "{}").status, 200u);
  ASSERT_EQ(c.put(item_url("items", hot, "z"), "{}").status, 200u);
  auto split = c.get("/v1/tables/items/partitions/" + std::to_string(hot_p)).json();
  EXPECT_EQ(split["items"].GetUint64(), 2u);
  EXPECT_EQ(split["segments"].Size(), 2u);
}

}  // namespace
}  // namespace ropekv::router::test
