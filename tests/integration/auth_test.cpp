// Bearer tokens end to end (docs/security.md): placement with a bootstrap
// token, two routers and a notifier that require tokens. A token created
// through one router works on both; once revoked it is refused by both
// routers and the notifier within a second; the notifier refuses a
// WebSocket upgrade without a token and accepts one with it (header or
// ?token=); a token over its rate gets 429 with Retry-After; ropectl's
// auth commands do the same through the CLI.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <sys/wait.h>

#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "ws_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

constexpr const char* bootstrap = "bootstrap-secret-for-the-auth-test";

// The status of a WebSocket upgrade of /v1/ws on `port` (101 accepted),
// with an Authorization header when `token` is set.
unsigned upgrade_status(uint16_t port, const std::string& target, const std::string& token) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.expires_after(5s);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return 0;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  http::write(stream, req, ec);
  if (ec) return 0;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(false);
  http::read_header(stream, buffer, parser, ec);
  if (ec) return 0;
  return parser.get().result_int();
}

struct ropectl_run {
  int exit_code = -1;
  std::string out;
};

// Runs the real ropectl (stdout captured, stderr to the test's log).
ropectl_run ropectl(const std::string& args, const std::string& env = {}) {
  std::string cmd = env + " " + ROPECTL_BIN + " " + args + " 2>&1";
  ropectl_run r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class auth_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_options o;
    o.owners = 1;
    o.routers = 2;
    o.notifiers = 1;
    o.bootstrap_token = bootstrap;
    cluster_ = new cluster_harness(o);
    auto started = cluster_->start();
    if (!started) {
      delete cluster_;
      cluster_ = nullptr;
      GTEST_FAIL() << started.message();
    }
    auto made = cluster_->create_table("events", R"({"hash_key":"id","replication":1})");
    if (!made) GTEST_FAIL() << made.message();
  }
  static void TearDownTestSuite() {
    delete cluster_;  // stops every process it started, by PID
    cluster_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr) << "the cluster did not start"; }

  static std::unique_ptr<http_client> admin(unsigned router = 0) {
    auto c = std::make_unique<http_client>(cluster_->router_port(router), 10s);
    c->set_token(bootstrap);
    return c;
  }

  // POST /v1/auth/tokens; the secret.
  static std::string create(const std::string& body) {
    auto c = admin();
    auto r = c->post("/v1/auth/tokens", body);
    EXPECT_EQ(r.status, 201u) << r.body;
    auto d = r.json();
    return d.IsObject() && d.HasMember("token") ? d["token"].GetString() : "";
  }

  static inline cluster_harness* cluster_ = nullptr;
};

TEST_F(auth_suite, bootstrap_token_is_a_cluster_admin_and_secrets_are_never_listed) {
  auto c = admin();
  auto list = c->get("/v1/auth/tokens");
  ASSERT_EQ(list.status, 200u) << list.body;
  EXPECT_NE(list.body.find(R"("name":"bootstrap","roles":["cluster-admin"])"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find(bootstrap), std::string::npos);
  http_client anonymous(cluster_->router_port(0), 10s);
  auto refused = anonymous.get("/v1/auth/tokens");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_EQ(refused.error_code(), "unauthenticated");
}

TEST_F(auth_suite, a_revoked_token_stops_working_within_a_second_on_every_router_and_the_notifier) {
  std::string secret = create(R"({"name":"short-lived","roles":["read:events"]})");
  ASSERT_FALSE(secret.empty());
  ASSERT_EQ(secret.rfind("rkv_", 0), 0u);
  std::vector<std::unique_ptr<http_client>> readers;
  for (unsigned i = 0; i < 2; ++i) {
    readers.push_back(std::make_unique<http_client>(cluster_->router_port(i), 5s));
    readers.back()->set_token(secret);
    // Placement pushes the new token to both routers; allowed: 404 (no such item).
    unsigned status = 0;
    for (int k = 0; k < 100 && status != 404; ++k) {
      status = readers.back()->get("/v1/tables/events/items/nobody").status;
      if (status != 404) std::this_thread::sleep_for(10ms);
    }
    ASSERT_EQ(status, 404u) << "router " << i;
    EXPECT_EQ(readers.back()->put("/v1/tables/events/items/x", R"({"a":1})").status, 403u) << "router " << i;
  }
  ASSERT_EQ(upgrade_status(cluster_->notifier_port(0), "/v1/ws", secret), 101u);

  auto c = admin(1);  // revoked through the other router
  auto revoked = c->del("/v1/auth/tokens/short-lived");
  ASSERT_EQ(revoked.status, 200u) << revoked.body;
  auto at = clock_type::now();
  std::vector<double> seconds(2, -1);
  while (clock_type::now() - at < 5s && (seconds[0] < 0 || seconds[1] < 0)) {
    for (unsigned i = 0; i < 2; ++i) {
      if (seconds[i] >= 0) continue;
      if (readers[i]->get("/v1/tables/events/items/nobody").status == 401)
        seconds[i] = std::chrono::duration<double>(clock_type::now() - at).count();
    }
  }
  for (unsigned i = 0; i < 2; ++i) {
    EXPECT_GE(seconds[i], 0) << "router " << i << " still accepts the revoked token after 5 s";
    EXPECT_LT(seconds[i], 1.0) << "router " << i;
    std::printf("revocation visible on router %u after %.3f s\n", i, seconds[i]);
  }
  EXPECT_EQ(upgrade_status(cluster_->notifier_port(0), "/v1/ws", secret), 401u);
  auto again = c->del("/v1/auth/tokens/short-lived");
  EXPECT_EQ(again.status, 404u);
}

TEST_F(auth_suite, the_notifier_refuses_an_upgrade_without_a_valid_token) {
  uint16_t port = cluster_->notifier_port(0);
  EXPECT_EQ(upgrade_status(port, "/v1/ws", ""), 401u);
  EXPECT_EQ(upgrade_status(port, "/v1/ws", "rkv_not_a_real_token_000000000000"), 401u);
  EXPECT_EQ(upgrade_status(port, "/v1/ws", bootstrap), 101u);
  // Browsers cannot set headers on a WebSocket: ?token= does it.
  EXPECT_EQ(upgrade_status(port, std::string("/v1/ws?token=") + bootstrap, ""), 101u);
  EXPECT_THROW({ ws_client refused(port, "/v1/ws"); }, std::runtime_error);
  ws_client ws(port, std::string("/v1/ws?token=") + bootstrap);
  ASSERT_TRUE(ws.send(R"({"op":"subscribe","id":"s1","table":"events"})"));
  auto d = ws.read_json(10s);
  ASSERT_TRUE(d.IsObject());
  EXPECT_STREQ(d["op"].GetString(), "subscribed");
}

TEST_F(auth_suite, a_token_over_its_rate_gets_429_with_retry_after) {
  std::string secret = create(R"({"name":"slow-client","roles":["read:events"],"rate_limit":1})");
  ASSERT_FALSE(secret.empty());
  http_client c(cluster_->router_port(0), 5s);
  c.set_token(secret);
  unsigned first = 0;
  for (int k = 0; k < 100 && first != 404; ++k) {  // until the router has the token
    first = c.get("/v1/tables/events/items/nobody").status;
    if (first != 404) std::this_thread::sleep_for(1100ms);
  }
  ASSERT_EQ(first, 404u);
  auto second = c.get("/v1/tables/events/items/nobody");
  EXPECT_EQ(second.status, 429u) << second.body;
  EXPECT_EQ(second.error_code(), "rate_limited");
  EXPECT_EQ(second.retry_after, "1");
  std::this_thread::sleep_for(1100ms);
  EXPECT_EQ(c.get("/v1/tables/events/items/nobody").status, 404u);
}

TEST_F(auth_suite, ropectl_creates_lists_and_revokes_tokens) {
  std::string router = "--router http://127.0.0.1:" + std::to_string(cluster_->router_port(0));
  auto denied = ropectl(router + " auth list");
  EXPECT_EQ(denied.exit_code, 6) << denied.out;  // exit_denied: no token
  EXPECT_NE(denied.out.find("unauthenticated"), std::string::npos) << denied.out;

  std::string as_admin = router + " --token " + bootstrap;
  auto made = ropectl(as_admin + " auth create ci-reader --role read:events --expires-in 3600");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  auto at = made.out.find("token: rkv_");
  ASSERT_NE(at, std::string::npos) << made.out;
  std::string secret = made.out.substr(at + 7, 68);

  auto list = ropectl(as_admin + " auth list");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("ci-reader"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("read:events"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find(secret), std::string::npos) << "list shows a secret";

  // The new token, from the environment: reads are allowed, writes are not.
  auto get = ropectl(router + " get events nobody", "ROPEKV_TOKEN=" + secret);
  EXPECT_EQ(get.exit_code, 3) << get.out;  // not found: authenticated and allowed
  auto put = ropectl(router + " put events x --item '{\"a\":1}'", "ROPEKV_TOKEN=" + secret);
  EXPECT_EQ(put.exit_code, 6) << put.out;  // permission_denied
  EXPECT_NE(put.out.find("permission_denied"), std::string::npos) << put.out;

  auto revoked = ropectl(as_admin + " auth revoke ci-reader");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.out;
  EXPECT_NE(revoked.out.find("revoked token ci-reader"), std::string::npos) << revoked.out;
  auto gone = ropectl(as_admin + " auth revoke ci-reader");
  EXPECT_EQ(gone.exit_code, 3) << gone.out;
}

}  // namespace
}  // namespace ropekv::integration
