#include "measure.hpp"

#include <algorithm>

namespace ropekv::bench::indexer {

window_figures window_of(const std::vector<write_sample>& samples, int64_t from_ns, int64_t to_ns) {
  window_figures w;
  w.seconds = to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e9 : 0;
  for (const auto& s : samples) {
    if (s.acked_ns < from_ns || s.acked_ns >= to_ns) continue;
    ++w.writes;
    w.latency.record(static_cast<uint64_t>(std::max<int64_t>(s.latency_ns, 0)));
  }
  w.per_s = w.seconds > 0 ? static_cast<double>(w.writes) / w.seconds : 0;
  return w;
}

progress_verdict check_progress(const std::vector<progress_sample>& samples) {
  progress_verdict v;
  v.samples = samples.size();
  std::vector<double> rates;
  bool any = false;
  for (const auto& s : samples) {
    if (s.state != "backfilling") continue;
    ++v.backfilling;
    if (any && s.items_done < v.max_items_done) ++v.decreases;
    v.max_items_done = std::max(v.max_items_done, s.items_done);
    any = true;
    if (s.items_per_s > 0) rates.push_back(s.items_per_s);
  }
  v.monotonic = v.decreases == 0;
  if (!rates.empty()) {
    std::sort(rates.begin(), rates.end());
    size_t n = rates.size();
    v.median_items_per_s = n % 2 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
  }
  return v;
}

std::vector<size_t> thin_indices(size_t n, size_t keep) {
  std::vector<size_t> out;
  if (n == 0 || keep == 0) return out;
  if (n <= keep) {
    for (size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  if (keep == 1) return {n - 1};
  for (size_t k = 0; k < keep; ++k) {
    size_t i = k * (n - 1) / (keep - 1);
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

}  // namespace ropekv::bench::indexer
