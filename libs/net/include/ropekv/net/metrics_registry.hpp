#pragma once
// metrics_registry: counters, gauges and histograms rendered in the
// Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
// Ownership and threads: the registry owns every metric; the references it
// hands out stay valid for the registry's lifetime. Registration takes a
// mutex (do it at start-up and keep the reference); updates are lock-free
// atomics callable from any thread; render() may run concurrently with
// updates and sees each value at some recent point (a histogram's _count is
// derived from its buckets, so a scrape is always self-consistent).
//
// Invariants: one family per metric name, one type per family, one series
// per (name, label set). Registering an existing (name, labels) returns the
// existing metric. Invalid names, a type clash, or histogram bounds that are
// not strictly increasing throw std::invalid_argument: these are programming
// errors found at start-up, not request-time failures.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ropekv::net {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

class counter {
 public:
  void inc(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double delta) noexcept;
  void inc() noexcept { add(1); }
  void dec() noexcept { add(-1); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class histogram {
 public:
  /// `bounds`: upper bounds of the finite buckets, strictly increasing.
  explicit histogram(std::vector<double> bounds);
  void observe(double v) noexcept;

  struct snapshot {
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
  };
  snapshot read() const;
  const std::vector<double>& bounds() const noexcept { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (overflow)
  std::atomic<double> sum_{0};
};

/// Default latency buckets in seconds (0.5 ms .. 10 s).
std::vector<double> default_latency_buckets();
/// Buckets for one hop of a request, in seconds (25 µs .. 1 s): most hops
/// take well under the default's first bucket.
std::vector<double> hop_latency_buckets();

class metrics_registry {
 public:
  counter& add_counter(std::string_view name, std::string_view help, metric_labels labels = {});
  gauge& add_gauge(std::string_view name, std::string_view help, metric_labels labels = {});
  histogram& add_histogram(std::string_view name, std::string_view help,
                           std::vector<double> bounds, metric_labels labels = {});

  /// The whole registry as Prometheus text, families in name order.
  std::string render() const;

 private:
  enum class metric_type : uint8_t { counter, gauge, histogram };
  struct series {
    metric_labels labels;
    std::unique_ptr<counter> c;
    std::unique_ptr<gauge> g;
    std::unique_ptr<histogram> h;
  };
  struct family {
    metric_type type;
    std::string help;
    std::vector<std::unique_ptr<series>> members;
  };

  series& find_or_add(std::string_view name, std::string_view help, metric_type type,
                      metric_labels labels, std::unique_ptr<histogram> h);

  mutable std::mutex mutex_;
  std::map<std::string, family, std::less<>> families_;
};

}  // namespace ropekv::net
