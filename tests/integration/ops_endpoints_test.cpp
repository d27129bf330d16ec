// Every service's ops surface on a real cluster (placement, 3 owners, a
// router, a notifier, an indexer): GET /healthz, /readyz and /metrics
// answer, the metrics parse as Prometheus text, the expected families are
// there and move after writes, an index and a subscription; an indexer
// that cannot reach placement says it is not ready and why; every metric
// deploy/grafana/ropekv.json queries is one some service exposes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "prometheus_text.hpp"
#include "ws_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;
using ropekv::test::prom_text;

template <class Pred>
bool poll_until(std::chrono::milliseconds bound, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
}

struct service {
  std::string name;
  uint16_t port;
  std::vector<std::string> families;  // expected in /metrics
};

prom_text scrape(uint16_t port) {
  http_client c(port, 5s);
  auto r = c.get("/metrics");
  if (r.status != 200) {
    prom_text bad;
    bad.error = "GET /metrics: " + std::to_string(r.status);
    return bad;
  }
  return ropekv::test::parse_prometheus_text(r.body);
}

double sum_where(const prom_text& t, const std::string& name, const std::string& label, const std::string& value) {
  double total = 0;
  for (const auto& s : t.samples) {
    auto it = s.labels.find(label);
    if (s.name == name && it != s.labels.end() && it->second == value) total += s.value;
  }
  return total;
}

/// Metric names a PromQL expression refers to (ropekv_*).
std::set<std::string> metric_names(const std::string& expr) {
  static const std::regex name(R"(ropekv_[a-z0-9_]+)");
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name); it != std::sregex_iterator(); ++it)
    out.insert(it->str());
  return out;
}

void collect_exprs(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      if (std::string(m->name.GetString()) == "expr" && m->value.IsString()) out.emplace_back(m->value.GetString());
      else collect_exprs(m->value, out);
    }
  } else if (v.IsArray()) {
    for (const auto& e : v.GetArray()) collect_exprs(e, out);
  }
}

TEST(ops_endpoints, every_service_serves_health_readiness_and_metrics) {
  cluster_options o;
  o.notifiers = 1;
  o.indexers = 1;
  cluster_harness cluster(o);
  ASSERT_TRUE(cluster.start());

  std::vector<service> services{
      {"placement", cluster.placement_metrics_port(),
       {"ropekv_placement_nodes", "ropekv_placement_segments", "ropekv_placement_tables",
        "ropekv_placement_rope_version"}},
      {"router", cluster.router_port(),
       {"ropekv_router_requests_total", "ropekv_router_request_seconds", "ropekv_router_inflight_requests"}},
      {"notifier", cluster.notifier_port(0),
       {"ropekv_notifier_connections", "ropekv_notifier_subscriptions", "ropekv_notifier_hook_failures_total",
        "ropekv_notifier_hook_deliveries_total"}},
      {"indexer", cluster.indexer_metrics_port(0),
       {"ropekv_indexer_feed_lag_seconds", "ropekv_indexer_events_applied_total", "ropekv_indexer_registered"}},
  };
  for (unsigned i = 0; i < cluster.owners(); ++i)
    services.push_back({"owner" + std::to_string(i + 1), cluster.owner_metrics_port(i),
                        {"ropekv_owner_stage_seconds", "ropekv_owner_raft_commit_seconds", "ropekv_owner_segment_bytes",
                         "ropekv_owner_replicas", "ropekv_owner_registered"}});

  for (const auto& s : services) {
    SCOPED_TRACE(s.name);
    ASSERT_NE(s.port, 0);
    http_client c(s.port, 5s);
    auto health = c.get("/healthz");
    EXPECT_EQ(health.status, 200u);
    EXPECT_NE(health.body.find("ok"), std::string::npos) << health.body;  // the notifier's is text/plain
    EXPECT_TRUE(poll_until(30s, [&] { return c.get("/readyz").status == 200; })) << c.get("/readyz").body;
    auto m = scrape(s.port);
    ASSERT_TRUE(m.error.empty()) << m.error;
    for (const auto& f : s.families) EXPECT_TRUE(m.has_family(f)) << f;
  }

  // Placement sees the three owners up.
  EXPECT_TRUE(poll_until(10s, [&] {
    return scrape(cluster.placement_metrics_port()).value("ropekv_placement_nodes", {{"state", "up"}}) == 3.0;
  }));

  // Writes move the router's counter and the owners' commit histogram.
  auto commits = [&] {
    double total = 0;
    for (unsigned i = 0; i < cluster.owners(); ++i)
      total += scrape(cluster.owner_metrics_port(i)).sum("ropekv_owner_raft_commit_seconds_count");
    return total;
  };
  ASSERT_TRUE(cluster.create_table("met", R"({"hash_key":"id"})"));
  double puts_before = sum_where(scrape(cluster.router_port()), "ropekv_router_requests_total", "route", "put_item");
  double commits_before = commits();
  http_client api(cluster.router_port());
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(api.put("/v1/tables/met/items/k" + std::to_string(i), R"({"v":)" + std::to_string(i) + "}").status / 100,
              2u);
  auto router = scrape(cluster.router_port());
  EXPECT_GE(sum_where(router, "ropekv_router_requests_total", "route", "put_item"), puts_before + 20);
  EXPECT_GE(router.value("ropekv_router_request_seconds_count", {{"route", "put_item"}}).value_or(0), 20);
  EXPECT_GE(commits(), commits_before + 20) << "every acknowledged write was committed by a leader";
  EXPECT_TRUE(poll_until(10s, [&] {
    return scrape(cluster.placement_metrics_port()).value("ropekv_placement_tables").value_or(0) >= 1;
  }));
  {  // Move progress and decision counters are series of their own (samples once moves happen).
    auto t = scrape(cluster.placement_metrics_port());
    EXPECT_EQ(t.types.count("ropekv_placement_move_progress"), 1u);
    EXPECT_EQ(t.types.count("ropekv_placement_decisions_total"), 1u);
  }
  // Each replica's size shows up with the heartbeat after it was created.
  EXPECT_TRUE(poll_until(10s, [&] {
    double replicas = 0;
    for (unsigned i = 0; i < cluster.owners(); ++i) {
      auto t = scrape(cluster.owner_metrics_port(i));
      for (const auto& s : t.samples) replicas += s.name == "ropekv_owner_segment_bytes" && s.value > 0;
    }
    return replicas >= 3;
  }));

  // An index gets a lag series on the indexer, and applies what follows.
  auto put_index = api.put("/v1/tables/met/indexes/by_v", R"({"attribute":"v","type":"number"})");
  ASSERT_TRUE(put_index.status == 201u || put_index.status == 200u) << put_index.body;
  EXPECT_TRUE(poll_until(30s, [&] {
    auto t = scrape(cluster.indexer_metrics_port(0));
    return t.value("ropekv_indexer_index_phase", {{"table", "met"}, {"index", "by_v"}, {"phase", "active"}}) == 1.0 &&
           t.value("ropekv_indexer_feed_lag_seconds", {{"table", "met"}, {"index", "by_v"}}).has_value();
  })) << "the index never showed active with a lag series";
  double applied_before = scrape(cluster.indexer_metrics_port(0)).sum("ropekv_indexer_events_applied_total");
  for (int i = 20; i < 25; ++i)
    ASSERT_EQ(api.put("/v1/tables/met/items/k" + std::to_string(i), R"({"v":)" + std::to_string(i) + "}").status / 100,
              2u);
  EXPECT_TRUE(poll_until(20s, [&] {
    return scrape(cluster.indexer_metrics_port(0)).sum("ropekv_indexer_events_applied_total") >= applied_before + 5;
  }));

  // A WebSocket subscription shows on the notifier.
  ws_client ws(cluster.notifier_port(0));
  ASSERT_TRUE(ws.send(R"({"op":"subscribe","id":"s1","table":"met"})"));
  auto ack = ws.read(10s);
  ASSERT_TRUE(ack) << "no reply to subscribe";
  EXPECT_NE(ack->find("subscribed"), std::string::npos) << *ack;
  EXPECT_TRUE(poll_until(10s, [&] {
    auto t = scrape(cluster.notifier_port(0));
    return t.value("ropekv_notifier_connections") >= 1.0 && t.value("ropekv_notifier_subscriptions") >= 1.0;
  }));
  // A live event sets the notifier's feed lag; a webhook whose receiver is
  // down (port 9: nothing listens) shows its backlog and the oldest's age.
  auto hook = api.put("/v1/hooks/met_hook", R"({"url":"http://127.0.0.1:9/hook","table":"met",)"
                                            R"("events":["create","update"],"secret":"whsec_b3BzLXRlc3Qtc2VjcmV0LTAxMjM0NTY3ODk="})");
  ASSERT_EQ(hook.status, 201u) << hook.body;
  EXPECT_TRUE(poll_until(30s, [&] {
    if (api.put("/v1/tables/met/items/hooked", R"({"v":1})").status / 100 != 2) return false;
    auto t = scrape(cluster.notifier_port(0));
    return t.value("ropekv_notifier_feed_lag_seconds").value_or(0) > 0 &&
           t.value("ropekv_notifier_hook_backlog_events", {{"hook", "met_hook"}}).value_or(0) >= 1 &&
           t.value("ropekv_notifier_hook_backlog_age_seconds", {{"hook", "met_hook"}}).value_or(0) > 0;
  })) << "no feed lag, or no backlog for a hook that cannot deliver";

  // Every metric the dashboard queries is exposed by some service.
  std::map<std::string, std::string> exposed;  // family -> type
  for (const auto& s : services) {
    auto t = scrape(s.port);
    ASSERT_TRUE(t.error.empty()) << s.name << ": " << t.error;
    exposed.insert(t.types.begin(), t.types.end());
  }
  std::ifstream in(std::string(ROPEKV_SOURCE_DIR) + "/deploy/grafana/ropekv.json");
  ASSERT_TRUE(in) << "deploy/grafana/ropekv.json";
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document dash;
  dash.Parse(text.str().c_str());
  ASSERT_FALSE(dash.HasParseError()) << "the dashboard is not valid JSON";
  std::vector<std::string> exprs;
  collect_exprs(dash, exprs);
  ASSERT_GE(exprs.size(), 10u);
  std::set<std::string> queried;
  for (const auto& e : exprs) {
    auto names = metric_names(e);
    EXPECT_FALSE(names.empty()) << e;
    queried.insert(names.begin(), names.end());
  }
  EXPECT_GE(queried.size(), 20u) << "the dashboard covers every service";
  for (const auto& name : queried) {
    bool found = exposed.count(name) > 0;
    for (std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (found || name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix))
        continue;
      auto it = exposed.find(name.substr(0, name.size() - suffix.size()));
      found = it != exposed.end() && it->second == "histogram";
    }
    EXPECT_TRUE(found) << "the dashboard queries " << name << ", which no service exposes";
  }
}

// A service that cannot serve says so on /readyz (503, JSON, a reason)
// while /healthz stays 200.
TEST(ops_endpoints, readyz_is_503_with_a_reason_until_registered) {
  char dir[] = "/tmp/ropekv-ops-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  // Port 9 (discard) on loopback: nothing listens, so it never registers.
  child_process indexer({ROPEKV_INDEXER_BIN, "--port=0", "--metrics-port=0", "--placement=127.0.0.1:9",
                         std::string("--data-dir=") + dir + "/idx", "--log-level=info"},
                        std::string(dir) + "/indexer.log");
  ASSERT_NE(indexer.wait_listening(30s), 0);
  auto line = indexer.read_line(10s);
  ASSERT_TRUE(line && line->rfind("metrics on ", 0) == 0) << line.value_or("<none>");
  auto port = static_cast<uint16_t>(std::stoul(line->substr(line->rfind(':') + 1)));
  http_client c(port, 5s);
  EXPECT_EQ(c.get("/healthz").status, 200u);
  auto ready = c.get("/readyz");
  EXPECT_EQ(ready.status, 503u);
  auto body = ready.json();
  ASSERT_TRUE(body.IsObject()) << ready.body;
  EXPECT_STREQ(body["status"].GetString(), "not_ready");
  EXPECT_NE(std::string(body["reason"].GetString()).find("not registered"), std::string::npos) << ready.body;
  auto m = scrape(port);
  EXPECT_TRUE(m.error.empty()) << m.error;
  EXPECT_EQ(m.value("ropekv_indexer_registered"), 0.0);
  EXPECT_EQ(indexer.stop(), 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace ropekv::integration
