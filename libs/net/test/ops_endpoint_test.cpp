#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "prometheus_text.hpp"
#include "ropekv/net/ops_endpoint.hpp"
#include "test_http_client.hpp"

namespace ropekv::net {
namespace {

struct reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

reply request(uint16_t port, const std::string& method, const std::string& target) {
  test::test_http_client client;
  EXPECT_TRUE(client.connect(port));
  EXPECT_TRUE(client.send(method + " " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto r = client.read_response();
  if (!r) return {};
  return {r->result_int(), std::string((*r)[test::bhttp::field::content_type]), r->body()};
}

class ops_endpoint_test : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.add_counter("demo_events_total", "demo").inc(7);
    endpoint_ = std::make_unique<ops_endpoint>("demo", registry_, [this] {
      return ready_.load() ? readiness::yes() : readiness::no("not registered with placement yet");
    });
    ASSERT_TRUE(endpoint_->serve("127.0.0.1", 0));
    ASSERT_NE(endpoint_->port(), 0);
  }
  metrics_registry registry_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<ops_endpoint> endpoint_;
};

TEST_F(ops_endpoint_test, healthz_is_200_while_running) {
  auto r = request(endpoint_->port(), "GET", "/healthz");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
}

TEST_F(ops_endpoint_test, readyz_follows_the_readiness_check) {
  auto r = request(endpoint_->port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 503u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"status":"not_ready","reason":"not registered with placement yet"})");
  ready_ = true;
  r = request(endpoint_->port(), "GET", "/readyz?verbose=1");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"status":"ready"})");
}

TEST_F(ops_endpoint_test, metrics_is_prometheus_text) {
  auto r = request(endpoint_->port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, prometheus_content_type);
  auto parsed = ropekv::test::parse_prometheus_text(r.body);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error;
  EXPECT_EQ(parsed.value("demo_events_total"), 7);
}

TEST_F(ops_endpoint_test, other_paths_and_methods_are_refused) {
  EXPECT_EQ(request(endpoint_->port(), "GET", "/v1/tables").status, 404u);
  EXPECT_EQ(request(endpoint_->port(), "POST", "/metrics").status, 405u);
}

TEST(ops_response, answers_only_the_three_paths_and_reports_collector_errors) {
  metrics_registry reg;
  EXPECT_FALSE(ops_response("GET", "/v1/ws", reg, {}));
  auto ready = ops_response("GET", "/readyz", reg, {});  // no check: always ready
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200u);
  reg.add_collector([] { return std::vector<prometheus::MetricFamily>{gauge_family("bad name", "x")}; });
  auto metrics = ops_response("GET", "/metrics", reg, {});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 500u);
}

TEST(ops_endpoint, a_taken_port_fails_to_serve) {
  metrics_registry reg;
  ops_endpoint first("a", reg, {});
  ASSERT_TRUE(first.serve("127.0.0.1", 0));
  ops_endpoint second("b", reg, {});
  EXPECT_FALSE(second.serve("127.0.0.1", first.port()));
  EXPECT_EQ(second.port(), 0);
}

}  // namespace
}  // namespace ropekv::net
