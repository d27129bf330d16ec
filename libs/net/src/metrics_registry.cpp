#include "ropekv/net/metrics_registry.hpp"

#include <prometheus/check_names.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

namespace ropekv::net {
namespace {

prometheus::Labels to_prometheus(const metric_labels& labels) {
  return prometheus::Labels(labels.begin(), labels.end());
}

std::vector<prometheus::ClientMetric::Label> to_client_labels(const metric_labels& labels) {
  std::vector<prometheus::ClientMetric::Label> out;
  out.reserve(labels.size());
  for (const auto& [name, value] : labels) out.push_back({name, value});
  return out;
}

void check_name(std::string_view name) {
  if (!prometheus::CheckMetricName(std::string(name)))
    throw std::invalid_argument("invalid metric name: " + std::string(name));
}

// Sorted, unique, valid names; histograms may not use "le".
void check_labels(metric_labels& labels, bool histogram) {
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& label = labels[i].first;
    if (!prometheus::CheckLabelName(label) || (histogram && label == "le") ||
        (i > 0 && labels[i - 1].first == label))
      throw std::invalid_argument("invalid label name: " + label);
  }
}

template <class Series>
auto* find_series(std::vector<Series>& list, const metric_labels& labels) {
  for (auto& s : list)
    if (s.first == labels) return s.second.get();
  return static_cast<decltype(list.front().second.get())>(nullptr);
}

}  // namespace

// ------------------------------------------------------------------ histogram

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
  }
  for (size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  // Prometheus buckets are "less than or equal": the first bound >= v.
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.cumulative.reserve(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> default_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> hop_latency_buckets() {
  return {0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
}

// ------------------------------------------------------------ family helpers

prometheus::MetricFamily gauge_family(std::string name, std::string help) {
  return {std::move(name), std::move(help), prometheus::MetricType::Gauge, {}};
}

prometheus::MetricFamily counter_family(std::string name, std::string help) {
  return {std::move(name), std::move(help), prometheus::MetricType::Counter, {}};
}

void add_sample(prometheus::MetricFamily& family, const metric_labels& labels, double value) {
  prometheus::ClientMetric m;
  m.label = to_client_labels(labels);
  std::sort(m.label.begin(), m.label.end());
  if (family.type == prometheus::MetricType::Counter) m.counter.value = value;
  else m.gauge.value = value;
  family.metric.push_back(std::move(m));
}

// ------------------------------------------------------------------ registry

metrics_registry::metrics_registry() : registry_(std::make_shared<prometheus::Registry>()) {}
metrics_registry::~metrics_registry() = default;

metrics_registry::family& metrics_registry::family_for(std::string_view name, std::string_view help,
                                                       metric_type type, metric_labels& labels) {
  check_name(name);
  check_labels(labels, type == metric_type::histogram);
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second.type != type)
      throw std::invalid_argument("metric registered with another type: " + std::string(name));
    return it->second;
  }
  family f{type, std::string(help), nullptr, {}, {}, {}};
  if (type == metric_type::counter)
    f.prom = &prometheus::BuildCounter().Name(std::string(name)).Help(f.help).Register(*registry_);
  else if (type == metric_type::gauge)
    f.prom = &prometheus::BuildGauge().Name(std::string(name)).Help(f.help).Register(*registry_);
  return families_.emplace(std::string(name), std::move(f)).first->second;
}

counter& metrics_registry::add_counter(std::string_view name, std::string_view help, metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, metric_type::counter, labels);
  if (auto* c = find_series(f.counters, labels)) return *c;
  auto& prom = static_cast<prometheus::Family<prometheus::Counter>*>(f.prom)->Add(to_prometheus(labels));
  f.counters.emplace_back(std::move(labels), std::make_unique<counter>(prom));
  return *f.counters.back().second;
}

gauge& metrics_registry::add_gauge(std::string_view name, std::string_view help, metric_labels labels) {
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, metric_type::gauge, labels);
  if (auto* g = find_series(f.gauges, labels)) return *g;
  auto& prom = static_cast<prometheus::Family<prometheus::Gauge>*>(f.prom)->Add(to_prometheus(labels));
  f.gauges.emplace_back(std::move(labels), std::make_unique<gauge>(prom));
  return *f.gauges.back().second;
}

histogram& metrics_registry::add_histogram(std::string_view name, std::string_view help,
                                           std::vector<double> bounds, metric_labels labels) {
  auto h = std::make_unique<histogram>(std::move(bounds));  // validates before registering
  std::lock_guard lock(mutex_);
  auto& f = family_for(name, help, metric_type::histogram, labels);
  for (auto& s : f.histograms)
    if (s.labels == labels) return *s.h;
  // Created complete under the lock: no scrape ever sees a half-built series.
  f.histograms.push_back({std::move(labels), std::move(h)});
  return *f.histograms.back().h;
}

void metrics_registry::add_collector(collector c) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(c));
}

std::vector<prometheus::MetricFamily> metrics_registry::collect() const {
  std::vector<prometheus::MetricFamily> out = registry_->Collect();
  std::vector<collector> collectors;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_) {
      if (f.type != metric_type::histogram) continue;
      prometheus::MetricFamily fam{name, f.help, prometheus::MetricType::Histogram, {}};
      for (const auto& s : f.histograms) {
        auto snap = s.h->read();
        prometheus::ClientMetric m;
        m.label = to_client_labels(s.labels);
        m.histogram.sample_count = snap.cumulative.back();
        m.histogram.sample_sum = snap.sum;
        const auto& bounds = s.h->bounds();
        for (size_t i = 0; i < bounds.size(); ++i) m.histogram.bucket.push_back({snap.cumulative[i], bounds[i]});
        fam.metric.push_back(std::move(m));
      }
      out.push_back(std::move(fam));
    }
    collectors = collectors_;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& f : out) seen.insert(f.name);
  for (const auto& c : collectors) {
    for (auto& f : c()) {
      check_name(f.name);
      if (!seen.insert(f.name).second)
        throw std::invalid_argument("collector family clashes with another: " + f.name);
      for (const auto& m : f.metric)
        for (const auto& l : m.label)
          if (!prometheus::CheckLabelName(l.name)) throw std::invalid_argument("invalid label name: " + l.name);
      out.push_back(std::move(f));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::string metrics_registry::render() const {
  auto families = collect();
  // prometheus-cpp 1.0.1's TextSerializer escapes label values but writes
  // HELP raw; the format wants '\\' and '\n' escaped there too.
  for (auto& f : families) {
    if (f.help.find_first_of("\\\n") == std::string::npos) continue;
    std::string escaped;
    for (char c : f.help) {
      if (c == '\\') escaped += "\\\\";
      else if (c == '\n') escaped += "\\n";
      else escaped.push_back(c);
    }
    f.help = std::move(escaped);
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace ropekv::net
