// PUT/GET/DELETE /v1/hooks end to end: HTTP into a router whose placement
// link talks to a REAL placement actor (catalog in a temp dir) over
// loopback, so validation, not_found and the JSON shapes are the ones
// clients get.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <spdlog/spdlog.h>

#include <thread>

#include "http_client.hpp"
#include "placement_actor.hpp"
#include "router_service.hpp"
#include "ropekv/net/type_ids.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::router::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

struct hooks_system_config : caf::actor_system_config {
  hooks_system_config() {
    add_message_types<caf::id_block::ropekv>();
    load<caf::io::middleman>();
  }
};

std::string hook_json(const std::string& url, const std::string& table, const std::string& extra = "") {
  return R"({"url":")" + url + R"(","table":")" + table + R"(","secret":")" + secret + "\"" + extra + "}";
}

class router_hooks : public ::testing::Test {
 protected:
  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    placement_service::placement_options opt;
    opt.segments_per_table = 1;
    auto core = placement_service::placement_state::open(dir_.file("placement.db"), opt,
                                                         std::chrono::steady_clock::now());
    ASSERT_TRUE(core) << core.error().message;
    // Not detached: CAF 0.17's teardown can hang on a finished detached
    // actor (see services/placement/main.cpp); a test catalog is tiny.
    placement_ = placement_service::spawn_placement(*sys_, std::move(*core), /*detached=*/false);
    auto port = sys_->middleman().publish(placement_, 0, "127.0.0.1", true);
    ASSERT_TRUE(port) << sys_->render(port.error());
    // One owner, so tables can be placed; it ignores what it is told.
    owner_ = sys_->spawn([]() -> net::owner_control::behavior_type {
      return {[](pb::SegmentAssignment&) {}, [](pb::SegmentDrop&) {}};
    });
    pb::RegisterNode node;
    node.mutable_node()->set_address("127.0.0.1:1");
    caf::scoped_actor self{*sys_};
    self->request(placement_, 5s, node, owner_)
        .receive([](pb::RegisterReply& r) { EXPECT_EQ(r.status().error_code(), 0u); },
                 [](caf::error& e) { ADD_FAILURE() << caf::to_string(e); });

    router_service_options o;
    o.http.port = 0;
    o.http.io_threads = 1;
    o.router.placement_retry = 100ms;
    o.router.require_auth = false;
    o.placement.address = "127.0.0.1:" + std::to_string(*port);
    router_ = std::make_unique<router_service>(*sys_, o);
    ASSERT_TRUE(router_->start().ok());
    port_ = router_->port();
    http_client c(port_);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (c.get("/readyz").status != 200 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    auto table = c.put("/v1/tables/users", R"({"hash_key":"pk","replication":1})");
    ASSERT_EQ(table.status, 201u) << table.body;
  }

  void TearDown() override {
    if (router_) router_->stop();
    router_.reset();
    stop_placement();
    caf::anon_send_exit(owner_, caf::exit_reason::user_shutdown);
    sys_.reset();
  }

  void stop_placement() {
    if (!placement_) return;
    caf::scoped_actor self{*sys_};
    self->monitor(placement_);
    self->send_exit(placement_, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {});
    placement_ = nullptr;
  }

  hooks_system_config cfg_;
  test_support::temp_dir dir_;
  std::unique_ptr<caf::actor_system> sys_;
  net::placement_actor placement_;
  net::owner_control owner_;
  std::unique_ptr<router_service> router_;
  uint16_t port_ = 0;
};

TEST_F(router_hooks, put_get_list_delete) {
  http_client c(port_);
  auto created = c.put("/v1/hooks/orders-feed", hook_json("https://example.test/in", "users",
                                                           R"(,"events":["create","delete"],"prefix":"eu/")"));
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(created.body.find("whsec_"), std::string::npos) << created.body;
  EXPECT_EQ(created.body.find("\"secret\""), std::string::npos) << created.body;
  auto h = created.json();
  EXPECT_STREQ(h["name"].GetString(), "orders-feed");
  EXPECT_STREQ(h["url"].GetString(), "https://example.test/in");
  EXPECT_STREQ(h["table"].GetString(), "users");
  ASSERT_EQ(h["events"].Size(), 2u);
  EXPECT_STREQ(h["events"][1].GetString(), "delete");
  EXPECT_STREQ(h["prefix"].GetString(), "eu/");
  EXPECT_TRUE(h["secret_set"].GetBool());
  int64_t created_ms = h["created_ms"].GetInt64();
  EXPECT_GT(created_ms, 0);
  const auto& st = h["state"];
  EXPECT_EQ(st["notifier"].GetUint64(), 0u);  // no notifier alive
  EXPECT_EQ(st["delivered"].GetUint64(), 0u);
  EXPECT_EQ(st["pending"].GetUint64(), 0u);
  EXPECT_EQ(st["last_status"].GetUint64(), 0u);
  EXPECT_STREQ(st["last_error"].GetString(), "");
  EXPECT_FALSE(st["failing"].GetBool());
  for (const char* f : {"last_attempt_ms", "last_success_ms", "attempts", "next_attempt_ms"})
    EXPECT_TRUE(st.HasMember(f)) << f;

  // Replacing: 200, created_ms kept; no events listed means all of them.
  auto replaced = c.put("/v1/hooks/orders-feed", hook_json("http://127.0.0.1:9000/x", "users"));
  ASSERT_EQ(replaced.status, 200u) << replaced.body;
  auto r = replaced.json();
  EXPECT_EQ(r["created_ms"].GetInt64(), created_ms);
  EXPECT_STREQ(r["url"].GetString(), "http://127.0.0.1:9000/x");
  EXPECT_EQ(r["events"].Size(), 5u);
  EXPECT_STREQ(r["prefix"].GetString(), "");

  ASSERT_EQ(c.put("/v1/hooks/second", hook_json("https://b.test", "users")).status, 201u);
  auto list = c.get("/v1/hooks");
  ASSERT_EQ(list.status, 200u) << list.body;
  ASSERT_EQ(list.json()["hooks"].Size(), 2u);
  EXPECT_STREQ(list.json()["hooks"][0]["name"].GetString(), "orders-feed");
  EXPECT_EQ(list.body.find("whsec_"), std::string::npos);

  auto one = c.get("/v1/hooks/second");
  ASSERT_EQ(one.status, 200u);
  EXPECT_STREQ(one.json()["url"].GetString(), "https://b.test");
  EXPECT_EQ(one.body.find("whsec_"), std::string::npos);

  auto deleted = c.del("/v1/hooks/second");
  ASSERT_EQ(deleted.status, 200u) << deleted.body;
  EXPECT_TRUE(deleted.json()["deleted"].GetBool());
  EXPECT_STREQ(deleted.json()["hook"]["name"].GetString(), "second");
  auto gone = c.get("/v1/hooks/second");
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.error_code(), "not_found");
  EXPECT_EQ(c.del("/v1/hooks/second").status, 404u);
  EXPECT_EQ(c.get("/v1/hooks").json()["hooks"].Size(), 1u);
}

TEST_F(router_hooks, bad_requests_are_typed_errors) {
  http_client c(port_);
  struct bad_case {
    std::string body;
    unsigned status;
    std::string code;
    std::string mentions;
  };
  const std::vector<bad_case> cases = {
      {R"({"url":)", 400, "invalid_json", ""},
      {R"(["x"])", 400, "invalid_argument", ""},
      {R"({"table":"users","secret":")" + std::string(secret) + "\"}", 400, "invalid_argument", "url"},
      {R"({"url":"https://a.test","secret":")" + std::string(secret) + "\"}", 400, "invalid_argument", "table"},
      {R"({"url":"https://a.test","table":"users"})", 400, "invalid_argument", "secret"},
      {hook_json("https://a.test", "users", R"(,"extra":1)"), 400, "invalid_argument", "extra"},
      {hook_json("https://a.test", "users", R"(,"events":"create")"), 400, "invalid_argument", "events"},
      {hook_json("https://a.test", "users", R"(,"events":[1])"), 400, "invalid_argument", "events"},
      {hook_json("https://a.test", "users", R"(,"events":["put"])"), 400, "invalid_argument", "put"},
      {hook_json("https://a.test", "users", R"(,"prefix":7)"), 400, "invalid_argument", "prefix"},
      {R"({"url":1,"table":"users","secret":")" + std::string(secret) + "\"}", 400, "invalid_argument", "url"},
      {hook_json("ftp://a.test", "users"), 400, "invalid_argument", "url"},
      {hook_json("https://", "users"), 400, "invalid_argument", "url"},
      {R"({"url":"https://a.test","table":"users","secret":"abc"})", 400, "invalid_argument", "secret"},
      {R"({"url":"https://a.test","table":"users","secret":"whsec_AAAA"})", 400, "invalid_argument",
       "secret"},
      {R"({"url":"https://a.test","table":"users","secret":"whsec_!!!!"})", 400, "invalid_argument",
       "secret"},
      {hook_json("https://a.test", "nosuchtable"), 404, "not_found", "table nosuchtable"},
      {hook_json("https://a.test", "x"), 400, "invalid_argument", "table name"},
  };
  for (const auto& bc : cases) {
    auto r = c.put("/v1/hooks/hook1", bc.body);
    EXPECT_EQ(r.status, bc.status) << bc.body << " -> " << r.body;
    EXPECT_EQ(r.error_code(), bc.code) << bc.body << " -> " << r.body;
    EXPECT_NE(r.body.find(bc.mentions), std::string::npos) << bc.body << " -> " << r.body;
  }
  auto bad_name = c.put("/v1/hooks/bad!name", hook_json("https://a.test", "users"));
  EXPECT_EQ(bad_name.status, 400u);
  // Longer than placement's 64 bytes (the router's path rule allows 255).
  auto long_name = c.put("/v1/hooks/" + std::string(65, 'n'), hook_json("https://a.test", "users"));
  EXPECT_EQ(long_name.status, 400u);
  EXPECT_NE(long_name.body.find("hook name"), std::string::npos) << long_name.body;
  auto missing = c.get("/v1/hooks/nope-hook");
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.error_code(), "not_found");
  EXPECT_EQ(c.get("/v1/hooks").json()["hooks"].Size(), 0u);  // nothing stored by the failures
}

TEST_F(router_hooks, placement_away_is_503) {
  http_client c(port_);
  ASSERT_EQ(c.put("/v1/hooks/hook1", hook_json("https://a.test", "users")).status, 201u);
  stop_placement();
  for (auto r : {c.get("/v1/hooks"), c.get("/v1/hooks/hook1"), c.del("/v1/hooks/hook1"),
                 c.put("/v1/hooks/hook2", hook_json("https://a.test", "users"))}) {
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_EQ(r.error_code(), "unavailable") << r.body;
  }
}

}  // namespace
}  // namespace ropekv::router::test
