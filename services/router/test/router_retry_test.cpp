// Stale routing and failures: not_leader and wrong_segment never reach the
// client; a segment that is down is 503; several routers serve at once;
// the cached rope keeps serving while placement is away.
#include "router_fixture.hpp"

namespace ropekv::router::test {
namespace {

using router_retries = router_fixture;

TEST_F(router_retries, not_leader_with_a_hint_is_retried_invisibly) {
  http_client c(port_);
  std::string hk = hash_key_in(13);
  ASSERT_EQ(c.put(item_url("items", hk, "r"), R"({"a":1})").status, 200u);
  // The owner says "not me, ask node 3" (itself, after an election) twice.
  faults_[3]->hint = 3;
  faults_[3]->not_leader = 2;
  int before = faults_[3]->requests.load();
  auto r = c.get(item_url("items", hk, "r"));
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(faults_[3]->requests.load() - before, 3);
  EXPECT_EQ(faults_[3]->not_leader.load(), 0);
}

TEST_F(router_retries, a_stale_leader_hint_is_followed_to_the_real_leader) {
  http_client c(port_);
  std::string hk = hash_key_in(13);
  ASSERT_EQ(c.put(item_url("items", hk, "r"), R"({"a":1})").status, 200u);
  // Placement now believes node 9 leads segment 13; node 9 redirects to 3.
  auto segments = layout_segments();
  segments[3].replicas = {node_id{9}, node_id{3}};
  segments[3].leader_hint = node_id{9};
  change_segments(segments, true);
  wait_for_rope(port_, 2);
  EXPECT_EQ(c.get(item_url("items", hk, "r")).status, 200u);
  EXPECT_EQ(c.put(item_url("items", hk, "r") + "?if=exists", R"({"a":2})").status, 200u);
  EXPECT_GE(faults_[9]->requests.load(), 2);
  EXPECT_EQ(c.get(item_url("items", hk, "r")).json()["item"]["a"].GetInt(), 2);
}

TEST_F(router_retries, wrong_segment_refreshes_the_rope_and_retries) {
  http_client c(port_);
  std::string hk = hash_key_in(11);
  ASSERT_EQ(c.put(item_url("items", hk, "r"), R"({"a":1})").status, 200u);
  faults_[1]->wrong_segment = 1;
  EXPECT_EQ(c.get(item_url("items", hk, "r")).status, 200u);
  EXPECT_EQ(faults_[1]->wrong_segment.load(), 0);

  // A real epoch change the router has not heard of: the owner moved to
  // epoch 2 and placement knows, but nothing was pushed.
  caf::anon_send(owners_[1].handle, caf::put_atom_v, uint64_t{2});
  auto segments = layout_segments();
  segments[1].epoch = 2;
  change_segments(segments, false);
  auto r = c.put(item_url("items", hk, "r") + "?if=exists", R"({"a":2})");
  EXPECT_EQ(r.status, 200u) << r.body;
  auto page = c.get("/v1/tables/items/scan?limit=1000");
  EXPECT_EQ(page.status, 200u) << page.body;
  EXPECT_EQ(c.get("/readyz").json()["rope_version"].GetUint64(), 2u);
}

TEST_F(router_retries, an_owner_that_is_down_is_503_and_others_keep_serving) {
  http_client c(port_);
  std::string down_hk = hash_key_in(13), up_hk = hash_key_in(11);
  ASSERT_EQ(c.put(item_url("items", down_hk, "r"), "{}").status, 200u);
  ASSERT_EQ(c.put(item_url("items", up_hk, "r"), "{}").status, 200u);
  caf::anon_send_exit(owners_[3].handle, caf::exit_reason::kill);
  auto start = std::chrono::steady_clock::now();
  auto r = c.get(item_url("items", down_hk, "r"));
  EXPECT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(r.error_code(), "unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 9s);
  auto w = c.put(item_url("items", down_hk, "r") + "?if=exists", "{}");
  EXPECT_EQ(w.status, 503u);
  EXPECT_EQ(c.get("/v1/tables/items/scan").status, 503u);
  EXPECT_EQ(c.get(item_url("items", up_hk, "r")).status, 200u);
}

TEST_F(router_retries, several_routers_serve_the_same_data) {
  uint16_t second = start_router();
  http_client a(port_), b(second);
  ASSERT_EQ(a.put(item_url("items", "shared", "1"), R"({"by":"a"})").status, 200u);
  auto got = b.get(item_url("items", "shared", "1"));
  ASSERT_EQ(got.status, 200u);
  EXPECT_STREQ(got.json()["item"]["by"].GetString(), "a");
  ASSERT_EQ(b.put("/v1/tables/shared_t", R"({"hash_key":"h"})").status, 201u);
  EXPECT_EQ(a.get("/v1/tables/shared_t").status, 200u);
}

TEST_F(router_retries, cached_rope_keeps_serving_while_placement_is_away) {
  http_client c(port_);
  ASSERT_EQ(c.put(item_url("items", "p", "1"), "{}").status, 200u);
  caf::anon_send_exit(placement_.handle, caf::exit_reason::kill);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(c.get(item_url("items", "p", "1")).status, 200u);
  EXPECT_EQ(c.put(item_url("items", "p", "2"), "{}").status, 200u);
  auto t = c.get("/v1/tables");
  EXPECT_EQ(t.status, 503u) << t.body;
  EXPECT_EQ(t.error_code(), "unavailable");
  EXPECT_EQ(c.get("/readyz").status, 200u);
}

TEST_F(router_retries, not_ready_until_placement_answers) {
  // A router whose placement address has nobody listening (the port of a
  // socket we hold closed): healthy, not ready, and items are 503.
  router_service_options o;
  o.placement.address = "127.0.0.1:1";
  o.router.placement_retry = 50ms;
  o.router.require_auth = false;
  router_service lonely(*sys_, o);
  ASSERT_TRUE(lonely.start().ok());
  http_client c(lonely.port());
  EXPECT_EQ(c.get("/healthz").status, 200u);
  auto ready = c.get("/readyz");
  EXPECT_EQ(ready.status, 503u);
  EXPECT_EQ(ready.error_code(), "unavailable");
  auto item = c.get(item_url("items", "a", "b"));
  EXPECT_EQ(item.status, 503u) << item.body;
  EXPECT_EQ(c.get("/v1/cluster").status, 503u);
  lonely.stop();
}

}  // namespace
}  // namespace ropekv::router::test
