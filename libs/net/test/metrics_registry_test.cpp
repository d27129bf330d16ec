#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "prometheus_text.hpp"
#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::net {
namespace {

using ropekv::test::parse_prometheus_text;

TEST(metrics_registry, renders_counters_and_gauges_as_prometheus_text) {
  metrics_registry reg;
  auto& ok = reg.add_counter("http_requests_total", "Requests served.", {{"code", "200"}});
  auto& nf = reg.add_counter("http_requests_total", "Requests served.", {{"code", "404"}});
  auto& conns = reg.add_gauge("http_connections", "Open connections.");
  ok.inc();
  ok.inc(2);
  nf.inc();
  conns.set(4);
  conns.dec();
  conns.add(0.5);
  auto text = reg.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error << "\n" << text;
  EXPECT_EQ(parsed.types["http_requests_total"], "counter");
  EXPECT_EQ(parsed.types["http_connections"], "gauge");
  EXPECT_EQ(parsed.help["http_requests_total"], "Requests served.");
  EXPECT_EQ(parsed.value("http_requests_total", {{"code", "200"}}), 3);
  EXPECT_EQ(parsed.value("http_requests_total", {{"code", "404"}}), 1);
  EXPECT_EQ(parsed.value("http_connections"), 3.5);
  EXPECT_NE(text.find("http_requests_total{code=\"200\"} 3\n"), std::string::npos) << text;
  // Families come out in name order.
  EXPECT_LT(text.find("# TYPE http_connections"), text.find("# TYPE http_requests_total"));
}

TEST(metrics_registry, renders_histograms_cumulatively_with_inf_bucket) {
  metrics_registry reg;
  auto& h = reg.add_histogram("latency_seconds", "Latency.", {0.1, 1}, {{"op", "get"}});
  for (double v : {0.05, 0.1, 0.5, 3.0}) h.observe(v);
  auto text = reg.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error << "\n" << text;
  EXPECT_EQ(parsed.types["latency_seconds"], "histogram");
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"op", "get"}, {"le", "0.1"}}), 2);
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"op", "get"}, {"le", "1"}}), 3);
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"op", "get"}, {"le", "+Inf"}}), 4);
  EXPECT_EQ(parsed.value("latency_seconds_count", {{"op", "get"}}), 4);
  EXPECT_NEAR(*parsed.value("latency_seconds_sum", {{"op", "get"}}), 3.65, 1e-9);
  auto snap = h.read();
  EXPECT_EQ(snap.cumulative, (std::vector<uint64_t>{2, 3, 4}));
}

TEST(metrics_registry, default_buckets_are_rendered_in_full) {
  metrics_registry reg;
  reg.add_histogram("hop_seconds", "h", hop_latency_buckets()).observe(0.00003);
  auto parsed = parse_prometheus_text(reg.render());
  ASSERT_TRUE(parsed.error.empty()) << parsed.error;
  size_t buckets = 0;
  for (const auto& s : parsed.samples) buckets += s.name == "hop_seconds_bucket";
  EXPECT_EQ(buckets, hop_latency_buckets().size() + 1);
  EXPECT_EQ(parsed.value("hop_seconds_bucket", {{"le", "2.5e-05"}}), 0);
  EXPECT_EQ(parsed.value("hop_seconds_bucket", {{"le", "5e-05"}}), 1);
}

TEST(metrics_registry, escapes_and_canonical_labels) {
  metrics_registry reg;
  auto& a = reg.add_counter("c", "line\\one\ntwo", {{"b", "x\"y\\z\nw"}, {"a", "1"}});
  auto& b = reg.add_counter("c", "ignored", {{"a", "1"}, {"b", "x\"y\\z\nw"}});
  EXPECT_EQ(&a, &b);  // same series whatever the label order
  a.inc();
  auto text = reg.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error << "\n" << text;
  EXPECT_EQ(parsed.value("c", {{"a", "1"}, {"b", "x\"y\\z\nw"}}), 1);
  EXPECT_NE(text.find("c{a=\"1\",b=\"x\\\"y\\\\z\\nw\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# HELP c line\\\\one\\ntwo\n"), std::string::npos) << text;
}

TEST(metrics_registry, rejects_misuse_at_registration) {
  metrics_registry reg;
  reg.add_counter("dup", "h");
  EXPECT_THROW(reg.add_gauge("dup", "h"), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("dup", "h", {1}), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("9bad", "h"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("bad-name", "h"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok", "h", {{"__x", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "h", {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "h", {1}, {{"le", "x"}}), std::invalid_argument);
  EXPECT_NO_THROW(reg.add_histogram("h", "h", default_latency_buckets()));
}

TEST(metrics_registry, collectors_add_families_at_scrape_time) {
  metrics_registry reg;
  reg.add_gauge("a_gauge", "first").set(1);
  int scrapes = 0;
  reg.add_collector([&scrapes] {
    ++scrapes;
    auto lag = gauge_family("b_lag_seconds", "lag per index");
    add_sample(lag, {{"table", "t"}, {"index", "by_x"}}, 1.5);
    add_sample(lag, {{"table", "t"}, {"index", "by_y"}}, 0);
    auto applied = counter_family("b_applied_total", "applied");
    add_sample(applied, {}, 42);
    return std::vector<prometheus::MetricFamily>{std::move(lag), std::move(applied)};
  });
  auto text = reg.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.error.empty()) << parsed.error << "\n" << text;
  EXPECT_EQ(scrapes, 1);
  EXPECT_EQ(parsed.types["b_lag_seconds"], "gauge");
  EXPECT_EQ(parsed.types["b_applied_total"], "counter");
  EXPECT_EQ(parsed.value("b_lag_seconds", {{"index", "by_x"}}), 1.5);
  EXPECT_EQ(parsed.value("b_applied_total"), 42);
  auto families = reg.collect();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "a_gauge");
  EXPECT_EQ(families[1].name, "b_applied_total");
  EXPECT_EQ(families[2].name, "b_lag_seconds");
}

TEST(metrics_registry, collector_clashing_with_a_registered_family_throws) {
  metrics_registry reg;
  reg.add_counter("x_total", "x");
  reg.add_collector([] { return std::vector<prometheus::MetricFamily>{counter_family("x_total", "again")}; });
  EXPECT_THROW(reg.collect(), std::invalid_argument);
}

TEST(metrics_registry, concurrent_updates_and_scrapes) {
  metrics_registry reg;
  auto& c = reg.add_counter("n_total", "n");
  auto& g = reg.add_gauge("g", "g");
  auto& h = reg.add_histogram("h", "h", {1, 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        g.add(1);
        h.observe(i % 3);
      }
    });
  std::thread scraper([&] {
    for (int i = 0; i < 50; ++i) {
      auto parsed = parse_prometheus_text(reg.render());
      EXPECT_TRUE(parsed.error.empty()) << parsed.error;
      // A scrape is self-consistent: +Inf bucket == _count.
      EXPECT_EQ(parsed.value("h_bucket", {{"le", "+Inf"}}), parsed.value("h_count"));
    }
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_EQ(c.value(), 40000.0);
  EXPECT_EQ(g.value(), 40000.0);
  EXPECT_EQ(h.read().cumulative.back(), 40000u);
}

}  // namespace
}  // namespace ropekv::net
