#pragma once
// metrics_registry: a process's Prometheus metrics on prometheus-cpp core,
// rendered with prometheus::TextSerializer (text format 0.0.4) for
// GET /metrics.
//
// Three kinds of series:
//   counters, gauges  prometheus::Counter / prometheus::Gauge (atomics) in a
//                     prometheus::Registry, behind the thin handles below;
//   histograms        our own lock-free buckets (prometheus-cpp 1.0's
//                     Histogram::Observe takes a mutex, and histograms sit
//                     on every request's path), collected into
//                     prometheus::MetricFamily at scrape time;
//   collectors        functions that build families at scrape time from
//                     state kept elsewhere (atomics of a service, the last
//                     report of each replica, ...), for series whose label
//                     sets come and go.
//
// Ownership and threads: the registry owns every metric; the references it
// hands out stay valid for the registry's lifetime. Registration takes a
// mutex (do it at start-up and keep the reference); updates are lock-free
// atomics callable from any thread; collect()/render() may run concurrently
// with updates and see each value at some recent point (a histogram's
// _count is derived from its buckets, so a scrape is self-consistent).
// Collectors run on the scraping thread, under no registry lock: they must
// be thread-safe and must not block.
//
// Invariants: one family per metric name, one type per family, one series
// per (name, label set). Registering an existing (name, labels) returns the
// existing metric. Invalid names, a type clash, or histogram bounds that are
// not strictly increasing throw std::invalid_argument: these are programming
// errors found at start-up, not request-time failures.
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
class Registry;
}

namespace ropekv::net {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

class counter {
 public:
  explicit counter(prometheus::Counter& c) noexcept : c_(c) {}
  void inc(double n = 1) noexcept { c_.Increment(n); }
  double value() const noexcept { return c_.Value(); }

 private:
  prometheus::Counter& c_;
};

class gauge {
 public:
  explicit gauge(prometheus::Gauge& g) noexcept : g_(g) {}
  void set(double v) noexcept { g_.Set(v); }
  void add(double delta) noexcept { g_.Increment(delta); }
  void inc() noexcept { g_.Increment(); }
  void dec() noexcept { g_.Decrement(); }
  double value() const noexcept { return g_.Value(); }

 private:
  prometheus::Gauge& g_;
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

/// Builds families in a collector: a family, and one sample in it.
prometheus::MetricFamily gauge_family(std::string name, std::string help);
prometheus::MetricFamily counter_family(std::string name, std::string help);
void add_sample(prometheus::MetricFamily& family, const metric_labels& labels, double value);

class metrics_registry {
 public:
  using collector = std::function<std::vector<prometheus::MetricFamily>()>;

  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  counter& add_counter(std::string_view name, std::string_view help, metric_labels labels = {});
  gauge& add_gauge(std::string_view name, std::string_view help, metric_labels labels = {});
  histogram& add_histogram(std::string_view name, std::string_view help,
                           std::vector<double> bounds, metric_labels labels = {});
  /// Called at every scrape; its families are validated like registered
  /// ones (a bad name or a clash with a registered family throws from
  /// collect()). Register at start-up.
  void add_collector(collector c);

  /// Every family, sorted by name.
  std::vector<prometheus::MetricFamily> collect() const;
  /// collect() as Prometheus text (prometheus::TextSerializer).
  std::string render() const;

 private:
  enum class metric_type : uint8_t { counter, gauge, histogram };
  struct histogram_series {
    metric_labels labels;
    std::unique_ptr<histogram> h;
  };
  struct family {
    metric_type type;
    std::string help;
    void* prom = nullptr;  // prometheus::Family<Counter|Gauge>*, owned by registry_
    std::vector<std::pair<metric_labels, std::unique_ptr<counter>>> counters;
    std::vector<std::pair<metric_labels, std::unique_ptr<gauge>>> gauges;
    std::vector<histogram_series> histograms;
  };

  family& family_for(std::string_view name, std::string_view help, metric_type type,
                     metric_labels& labels);

  mutable std::mutex mutex_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, family, std::less<>> families_;
  std::vector<collector> collectors_;
};

}  // namespace ropekv::net
