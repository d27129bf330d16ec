#include "ropekv/net/metrics_registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace ropekv::net {
namespace {

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v > 0 ? "+Inf" : "-Inf"; return; }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc{} ? end : buf);
}

void append_number(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// HELP text escapes backslash and newline; label values also escape '"'.
void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quote) out += "\\\"";
    else out.push_back(c);
  }
}

void append_labels(std::string& out, const metric_labels& labels, std::string_view le = {}) {
  if (labels.empty() && le.empty()) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out.push_back('"');
  }
  if (!le.empty()) {
    if (!first) out.push_back(',');
    out += "le=\"";
    out += le;
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

void gauge::add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
      throw std::invalid_argument("histogram bounds must be strictly increasing");
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

metrics_registry::series& metrics_registry::find_or_add(std::string_view name,
                                                        std::string_view help, metric_type type,
                                                        metric_labels labels,
                                                        std::unique_ptr<histogram> h) {
  if (!valid_metric_name(name))
    throw std::invalid_argument("invalid metric name: " + std::string(name));
  std::sort(labels.begin(), labels.end());
  for (size_t i = 0; i < labels.size(); ++i) {
    const auto& label = labels[i].first;
    if (!valid_label_name(label) || (type == metric_type::histogram && label == "le") ||
        (i > 0 && labels[i - 1].first == label))
      throw std::invalid_argument("invalid label name: " + label);
  }
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end())
    it = families_.emplace(std::string(name), family{type, std::string(help), {}}).first;
  else if (it->second.type != type)
    throw std::invalid_argument("metric registered with another type: " + std::string(name));
  for (auto& s : it->second.members)
    if (s->labels == labels) return *s;
  // Created complete under the lock: no reader ever sees a half-built series.
  auto s = std::make_unique<series>();
  s->labels = std::move(labels);
  switch (type) {
    case metric_type::counter: s->c = std::make_unique<counter>(); break;
    case metric_type::gauge: s->g = std::make_unique<gauge>(); break;
    case metric_type::histogram: s->h = std::move(h); break;
  }
  it->second.members.push_back(std::move(s));
  return *it->second.members.back();
}

counter& metrics_registry::add_counter(std::string_view name, std::string_view help,
                                       metric_labels labels) {
  return *find_or_add(name, help, metric_type::counter, std::move(labels), nullptr).c;
}

gauge& metrics_registry::add_gauge(std::string_view name, std::string_view help,
                                   metric_labels labels) {
  return *find_or_add(name, help, metric_type::gauge, std::move(labels), nullptr).g;
}

histogram& metrics_registry::add_histogram(std::string_view name, std::string_view help,
                                           std::vector<double> bounds, metric_labels labels) {
  auto h = std::make_unique<histogram>(std::move(bounds));  // validates before registering
  return *find_or_add(name, help, metric_type::histogram, std::move(labels), std::move(h)).h;
}

std::string metrics_registry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, fam] : families_) {
    static constexpr std::string_view type_names[] = {"counter", "gauge", "histogram"};
    out += "# HELP " + name + ' ';
    append_escaped(out, fam.help, false);
    out += "\n# TYPE " + name + ' ';
    out += type_names[static_cast<size_t>(fam.type)];
    out.push_back('\n');
    for (const auto& s : fam.members) {
      if (s->c || s->g) {
        out += name;
        append_labels(out, s->labels);
        out.push_back(' ');
        if (s->c) append_number(out, s->c->value());
        else append_number(out, s->g->value());
        out.push_back('\n');
      } else if (s->h) {
        auto snap = s->h->read();
        const auto& bounds = s->h->bounds();
        for (size_t i = 0; i <= bounds.size(); ++i) {
          std::string le;
          if (i < bounds.size()) append_number(le, bounds[i]);
          else le = "+Inf";
          out += name + "_bucket";
          append_labels(out, s->labels, le);
          out.push_back(' ');
          append_number(out, snap.cumulative[i]);
          out.push_back('\n');
        }
        out += name + "_sum";
        append_labels(out, s->labels);
        out.push_back(' ');
        append_number(out, snap.sum);
        out += '\n' + name + "_count";
        append_labels(out, s->labels);
        out.push_back(' ');
        append_number(out, snap.cumulative.back());
        out.push_back('\n');
      }
    }
  }
  return out;
}

}  // namespace ropekv::net
