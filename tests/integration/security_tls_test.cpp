// TLS on the router's public port and the HTTP limits against abuse
// (docs/security.md "TLS on public ports", "Limits"), on a real cluster
// (placement, one owner, the harness's router) plus two routers this test
// starts itself:
//   - a TLS router with certificates from scripts/gen-certs: curl --cacert
//     reads and writes through it, curl without the CA refuses it, plain
//     HTTP to its port is closed (logged at debug, counted) while it keeps
//     serving, SIGHUP serves a new certificate (its serial changes) and a
//     bad new pair is logged and the old one kept;
//   - the notifier with the same kind of certificate: https /healthz and a
//     wss:// upgrade plus a frame round trip over TLS (openssl s_client),
//     plain HTTP closed;
//   - a plain router with small limits: slowloris clients (headers trickled
//     byte by byte) and a connection flood are cut off, counted and logged,
//     while a normal client keeps being served.
// Bounds are generous (loopback, 2 shared cores); nothing asserts a
// wall-clock duration tighter than "within N seconds".
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"
#include "security_support.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using namespace security;

constexpr unsigned flood_max_connections = 40;

struct suite_state {
  std::unique_ptr<cluster_harness> cluster;
  std::string certs;
  std::string tls_log, limited_log;
  std::unique_ptr<child_process> tls_router;
  std::unique_ptr<child_process> limited_router;
  uint16_t tls_port = 0;
  uint16_t limited_port = 0;
};
suite_state* S = nullptr;

std::string ca() { return S->certs + "/ca.pem"; }

/// curl against the TLS router: body, then the status code on the last line.
struct curl_reply {
  int exit_code = -1;
  unsigned status = 0;
  std::string body;
};
curl_reply curl(const std::string& method, const std::string& path, const std::string& body = {},
                bool with_ca = true) {
  std::string cmd = "curl -sS --max-time 10 -X " + method + (with_ca ? " --cacert " + ca() : std::string{}) +
                    " -w '\\n%{http_code}' https://127.0.0.1:" + std::to_string(S->tls_port) + path;
  if (!body.empty()) cmd += " -H 'Content-Type: application/json' --data-binary '" + body + "'";
  auto r = run(cmd);
  curl_reply out;
  out.exit_code = r.code;
  auto nl = r.out.rfind('\n');
  if (nl != std::string::npos) {
    out.body = r.out.substr(0, nl);
    out.status = static_cast<unsigned>(std::atoi(r.out.c_str() + nl + 1));
  }
  return out;
}

/// The serial number of the certificate the TLS router serves now.
std::string served_serial() {
  auto r = run("openssl s_client -connect 127.0.0.1:" + std::to_string(S->tls_port) +
               " -servername localhost </dev/null 2>/dev/null | openssl x509 -noout -serial");
  return r.code == 0 ? r.out : std::string{};
}

double metric(uint16_t port, bool tls, const std::string& name, const std::string& label = {},
              const std::string& value = {}) {
  std::string text;
  if (tls) {
    text = curl("GET", "/metrics").body;
  } else {
    http_client c(port, 5s);
    text = c.get("/metrics").body;
  }
  auto parsed = ropekv::test::parse_prometheus_text(text);
  double total = 0;
  for (const auto& s : parsed.samples) {
    if (s.name != name) continue;
    if (!label.empty()) {
      auto it = s.labels.find(label);
      if (it == s.labels.end() || it->second != value) continue;
    }
    total += s.value;
  }
  return total;
}

std::unique_ptr<child_process> start_router(const std::vector<std::string>& extra, const std::string& log,
                                            uint16_t& port) {
  std::vector<std::string> args{ROPEKV_ROUTER_BIN, "--http-port=0",
                                "--placement=127.0.0.1:" + std::to_string(S->cluster->placement_port(0)),
                                "--insecure"};  // auth is tested elsewhere; here only the transport
  args.insert(args.end(), extra.begin(), extra.end());
  auto p = std::make_unique<child_process>(args, log);
  port = p->wait_listening(30s);
  return p;
}

class security_tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    S = new suite_state;
    char tmpl[] = "/tmp/ropekv-tls-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    S->certs = tmpl;
    auto gen = run(std::string(ROPEKV_SOURCE_DIR) + "/scripts/gen-certs " + S->certs, true);
    ASSERT_EQ(gen.code, 0) << gen.out;
    cluster_options o;
    o.owners = 1;
    o.notifiers = 1;
    o.notifier_args = "--tls-cert=" + S->certs + "/notifier.pem --tls-key=" + S->certs + "/notifier-key.pem --log-level=debug --insecure";
    S->cluster = std::make_unique<cluster_harness>(o);
    ASSERT_TRUE(S->cluster->start());
    ASSERT_TRUE(S->cluster->create_table("sec", R"({"hash_key":"id"})"));
    S->tls_log = S->cluster->dir() + "/router-tls.log";
    S->tls_router = start_router({"--tls-cert=" + S->certs + "/router.pem", "--tls-key=" + S->certs + "/router-key.pem",
                                  "--log-level=debug"},
                                 S->tls_log, S->tls_port);
    ASSERT_NE(S->tls_port, 0) << read_file(S->tls_log);
    S->limited_log = S->cluster->dir() + "/router-limited.log";
    S->limited_router = start_router({"--header-timeout=1s", "--idle-timeout=2s", "--body-timeout=2s",
                                      "--max-connections=" + std::to_string(flood_max_connections)},
                                     S->limited_log, S->limited_port);
    ASSERT_NE(S->limited_port, 0) << read_file(S->limited_log);
  }
  static void TearDownTestSuite() {
    if (S == nullptr) return;
    if (S->tls_router) S->tls_router->stop();
    if (S->limited_router) S->limited_router->stop();
    std::error_code ec;
    if (!S->certs.empty()) std::filesystem::remove_all(S->certs, ec);
    delete S;
    S = nullptr;
  }
  void SetUp() override {
    if (S == nullptr || S->tls_port == 0 || S->limited_port == 0) GTEST_SKIP() << "suite set-up failed";
  }
};

TEST_F(security_tls, curl_with_the_cluster_ca_reads_and_writes) {
  ASSERT_TRUE(poll_until(30s, [] { return curl("GET", "/readyz").status == 200; }))
      << read_file(S->tls_log).substr(0, 4000);
  auto put = curl("PUT", "/v1/tables/sec/items/alpha", R"({"colour":"teal"})");
  ASSERT_EQ(put.exit_code, 0);
  EXPECT_TRUE(put.status == 200 || put.status == 201) << put.status << " " << put.body;
  auto get = curl("GET", "/v1/tables/sec/items/alpha");
  EXPECT_EQ(get.status, 200u) << get.body;
  EXPECT_NE(get.body.find("teal"), std::string::npos) << get.body;
  // Without the CA curl cannot verify the router: the certificate is real.
  auto untrusted = curl("GET", "/healthz", {}, false);
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_EQ(untrusted.status, 0u);
  // TLS 1.2 and 1.3 are offered.
  auto tls12 = run("openssl s_client -tls1_2 -connect 127.0.0.1:" + std::to_string(S->tls_port) +
                   " -CAfile " + ca() + " </dev/null", true);
  EXPECT_NE(tls12.out.find("Verify return code: 0 (ok)"), std::string::npos) << tls12.out;
}

TEST_F(security_tls, plain_http_to_the_tls_port_is_closed_and_serving_goes_on) {
  const double before = metric(S->tls_port, true, "ropekv_router_http_tls_handshake_failures_total");
  for (int i = 0; i < 3; ++i) {
    raw_socket s(S->tls_port);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    auto got = s.receive(10s);
    EXPECT_TRUE(s.closed()) << "the server must close a plain-HTTP connection";
    EXPECT_EQ(got.rfind("HTTP/", 0), std::string::npos) << "no clear-text answer: " << got;
  }
  auto ok = curl("GET", "/healthz");
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_GE(metric(S->tls_port, true, "ropekv_router_http_tls_handshake_failures_total"), before + 3);
  EXPECT_TRUE(poll_until(5s, [] { return read_file(S->tls_log).find("event=tls_handshake_failed") != std::string::npos; }));
  EXPECT_TRUE(S->tls_router->running() && !S->tls_router->exited());
}

TEST_F(security_tls, the_notifier_serves_wss_and_closes_plain_http) {
  const std::string port = std::to_string(S->cluster->notifier_port(0));
  auto health = run("curl -sS --max-time 10 --cacert " + ca() + " https://127.0.0.1:" + port + "/healthz");
  EXPECT_EQ(health.code, 0);
  EXPECT_EQ(health.out, "ok");
  // A WebSocket upgrade over TLS, then one masked text frame ("x", not a
  // valid command): the server answers 101 and an error frame, both
  // through TLS.
  auto ws = run("(printf 'GET /v1/ws HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nUpgrade: websocket\\r\\n"
                "Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
                "Sec-WebSocket-Version: 13\\r\\n\\r\\n'; sleep 1; printf '\\201\\201\\000\\000\\000\\000x'; sleep 2)"
                " | timeout 20 openssl s_client -quiet -verify_return_error -CAfile " + ca() +
                " -connect 127.0.0.1:" + port, true);
  EXPECT_NE(ws.out.find("101 Switching Protocols"), std::string::npos) << ws.out;
  EXPECT_NE(ws.out.find("error"), std::string::npos) << "no error frame back: " << ws.out;
  raw_socket plain(S->cluster->notifier_port(0));
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE(plain.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto got = plain.receive(10s);
  EXPECT_TRUE(plain.closed());
  EXPECT_EQ(got.rfind("HTTP/", 0), std::string::npos) << got;
  auto again = run("curl -sS --max-time 10 --cacert " + ca() + " https://127.0.0.1:" + port + "/healthz");
  EXPECT_EQ(again.out, "ok") << "the notifier keeps serving";
}

TEST_F(security_tls, slowloris_clients_are_cut_while_a_normal_client_is_served) {
  constexpr int slow = 20;
  const double before = metric(S->limited_port, false, "ropekv_router_http_timeouts_total", "phase", "header");
  std::vector<std::unique_ptr<raw_socket>> clients;
  for (int i = 0; i < slow; ++i) {
    clients.push_back(std::make_unique<raw_socket>(S->limited_port));
    ASSERT_TRUE(clients.back()->ok());
    ASSERT_TRUE(clients.back()->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
  }
  std::atomic<bool> done{false};
  std::atomic<int> served{0}, failed{0};
  std::thread normal([&] {
    http_client c(S->limited_port, 5s);
    while (!done) {
      (c.get("/healthz").status == 200 ? served : failed)++;
      std::this_thread::sleep_for(100ms);
    }
  });
  // Trickle one header byte per client every 100 ms until the server has
  // cut every one of them (header_timeout is 1 s; the bound is 20 s).
  const std::string drip = "X-Slow: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n";
  std::string answers;
  bool all_cut = poll_until(20s, [&] {
    int open = 0;
    for (auto& c : clients) {
      if (c->closed()) continue;
      c->send(std::string(1, drip[0]));
      answers += c->receive(1ms);
      if (!c->closed()) ++open;
    }
    return open == 0;
  }, 100ms);
  done = true;
  normal.join();
  EXPECT_TRUE(all_cut) << "slowloris clients still connected";
  EXPECT_TRUE(answers.empty()) << "a cut header gets no answer: " << answers;
  EXPECT_GE(served.load(), 5);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GE(metric(S->limited_port, false, "ropekv_router_http_timeouts_total", "phase", "header"), before + slow);
  EXPECT_NE(read_file(S->limited_log).find("event=http_timeout phase=header"), std::string::npos);
}

TEST_F(security_tls, a_connection_flood_is_refused_while_a_normal_client_is_served) {
  constexpr unsigned flood = 120;
  // The normal client holds its slot from before the flood to the end,
  // one request every 100 ms (well inside idle_timeout).
  std::atomic<bool> done{false};
  std::atomic<int> served{0}, failed{0};
  {
    http_client probe(S->limited_port, 5s);
    ASSERT_EQ(probe.get("/healthz").status, 200u);
  }
  std::thread normal([&] {
    http_client c(S->limited_port, 5s);
    while (!done) {
      (c.get("/healthz").status == 200 ? served : failed)++;
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  std::vector<std::unique_ptr<raw_socket>> clients;
  for (unsigned i = 0; i < flood; ++i) clients.push_back(std::make_unique<raw_socket>(S->limited_port));
  // Beyond max-connections: a 503 and a close, at once.
  unsigned refused = 0;
  std::vector<bool> counted(flood, false);
  poll_until(5s, [&] {
    for (unsigned i = 0; i < flood; ++i) {
      if (counted[i]) continue;
      auto got = clients[i]->receive(1ms);
      if (got.rfind("HTTP/1.1 503", 0) == 0) {
        ++refused;
        counted[i] = true;
      }
    }
    return refused >= flood - flood_max_connections;
  });
  EXPECT_GE(refused, flood - flood_max_connections);
  // The admitted ones say nothing and are closed at idle_timeout (2 s).
  bool all_closed = poll_until(20s, [&] {
    for (auto& c : clients) {
      if (!c->closed()) c->receive(1ms);
      if (!c->closed()) return false;
    }
    return true;
  });
  done = true;
  normal.join();
  EXPECT_TRUE(all_closed) << "idle flood connections still open";
  EXPECT_GE(served.load(), 10);
  EXPECT_EQ(failed.load(), 0) << "the normal client was refused or cut during the flood";
  http_client fresh(S->limited_port, 5s);
  EXPECT_EQ(fresh.get("/healthz").status, 200u) << "a new client after the flood";
  EXPECT_GE(metric(S->limited_port, false, "ropekv_router_http_connections_refused_total", "reason", "max_connections"),
            flood - flood_max_connections);
  EXPECT_NE(read_file(S->limited_log).find("event=connection_refused reason=max_connections"), std::string::npos);
}

// Last: it rewrites the router's certificate files.
TEST_F(security_tls, sighup_serves_a_new_certificate_and_keeps_the_old_on_a_bad_pair) {
  const auto first = served_serial();
  ASSERT_NE(first, "");
  auto gen = run(std::string(ROPEKV_SOURCE_DIR) + "/scripts/gen-certs " + S->certs, true);  // new leaves, same CA
  ASSERT_EQ(gen.code, 0) << gen.out;
  ASSERT_EQ(::kill(S->tls_router->pid(), SIGHUP), 0);
  std::string second;
  EXPECT_TRUE(poll_until(10s, [&] {
    second = served_serial();
    return !second.empty() && second != first;
  })) << "still serving " << first;
  EXPECT_EQ(curl("GET", "/healthz").status, 200u);
  EXPECT_TRUE(poll_until(5s, [] { return read_file(S->tls_log).find("event=tls_reloaded") != std::string::npos; }));

  // A bad new pair: logged, the old certificate stays.
  {
    std::ofstream key(S->certs + "/router-key.pem", std::ios::trunc);
    key << "not a key\n";
  }
  ASSERT_EQ(::kill(S->tls_router->pid(), SIGHUP), 0);
  EXPECT_TRUE(poll_until(10s, [] { return read_file(S->tls_log).find("event=tls_reload_failed") != std::string::npos; }));
  EXPECT_EQ(served_serial(), second);
  EXPECT_EQ(curl("GET", "/healthz").status, 200u);
}

}  // namespace
}  // namespace ropekv::integration
