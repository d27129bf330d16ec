#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::net {
namespace {

TEST(metrics_registry, renders_counters_and_gauges) {
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
  EXPECT_EQ(reg.render(),
            "# HELP http_connections Open connections.\n"
            "# TYPE http_connections gauge\n"
            "http_connections 3.5\n"
            "# HELP http_requests_total Requests served.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\"} 3\n"
            "http_requests_total{code=\"404\"} 1\n");
}

TEST(metrics_registry, renders_histograms_cumulatively) {
  metrics_registry reg;
  auto& h = reg.add_histogram("latency_seconds", "Latency.", {0.1, 1}, {{"op", "get"}});
  for (double v : {0.05, 0.1, 0.5, 3.0}) h.observe(v);
  EXPECT_EQ(reg.render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{op=\"get\"} 3.65\n"
            "latency_seconds_count{op=\"get\"} 4\n");
}

TEST(metrics_registry, escapes_and_canonical_labels) {
  metrics_registry reg;
  auto& a = reg.add_counter("c", "line\\one\ntwo", {{"b", "x\"y\\z\nw"}, {"a", "1"}});
  auto& b = reg.add_counter("c", "ignored", {{"a", "1"}, {"b", "x\"y\\z\nw"}});
  EXPECT_EQ(&a, &b);  // same series whatever the label order
  a.inc();
  EXPECT_EQ(reg.render(),
            "# HELP c line\\\\one\\ntwo\n"
            "# TYPE c counter\n"
            "c{a=\"1\",b=\"x\\\"y\\\\z\\nw\"} 1\n");
}

TEST(metrics_registry, rejects_misuse_at_registration) {
  metrics_registry reg;
  reg.add_counter("dup", "h");
  EXPECT_THROW(reg.add_gauge("dup", "h"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("9bad", "h"), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok", "h", {{"__x", "1"}}), std::invalid_argument);
  EXPECT_THROW(reg.add_counter("ok", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "h", {1, 1}), std::invalid_argument);
  EXPECT_THROW(reg.add_histogram("h", "h", {1}, {{"le", "x"}}), std::invalid_argument);
  EXPECT_NO_THROW(reg.add_histogram("h", "h", default_latency_buckets()));
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
    for (int i = 0; i < 50; ++i) EXPECT_FALSE(reg.render().empty());
  });
  for (auto& t : threads) t.join();
  scraper.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(g.value(), 40000.0);
  EXPECT_EQ(h.read().cumulative.back(), 40000u);
}

}  // namespace
}  // namespace ropekv::net
