#pragma once
// What ropekv-index-bench records while a run goes on, and the figures it
// derives from that afterwards. Pure code, unit-tested
// (test/measure_test.cpp).
//
// Writes are logged one by one (acknowledgement time, latency) so that the
// rate and percentiles of any window can be taken after the run: the
// backfill mode compares the window before an index was created with the
// window while it was being built, over one continuous load.
#include <cstdint>
#include <string>
#include <vector>

#include "histogram.hpp"

namespace ropekv::bench::indexer {

/// One acknowledged (2xx) write; times are steady-clock nanoseconds.
struct write_sample {
  int64_t acked_ns = 0;
  int64_t latency_ns = 0;
};

struct window_figures {
  uint64_t writes = 0;
  double seconds = 0;
  double per_s = 0;
  histogram latency;
};

/// The writes acknowledged in [from_ns, to_ns).
window_figures window_of(const std::vector<write_sample>& samples, int64_t from_ns, int64_t to_ns);

/// One GET /v1/tables/{t}/indexes/{name} while a backfill runs.
struct progress_sample {
  double t_s = 0;              // since the index was created
  std::string state;           // unassigned | backfilling | active | "" (no answer)
  uint64_t items_done = 0;     // backfilling only
  uint64_t items_estimated = 0;
  double items_per_s = 0;
};

struct progress_verdict {
  uint64_t samples = 0;
  uint64_t backfilling = 0;    // samples in state backfilling
  uint64_t decreases = 0;      // a backfilling sample with fewer items_done than an earlier one
  uint64_t max_items_done = 0;
  bool monotonic = true;       // decreases == 0
  double median_items_per_s = 0;  // of the indexer's own figure, backfilling samples that have one (> 0)
};

/// items_done must never shrink across the backfilling samples, in order.
progress_verdict check_progress(const std::vector<progress_sample>& samples);

/// At most `keep` indices of [0, n), evenly spread, first and last always
/// among them (for a short progress trace in the report).
std::vector<size_t> thin_indices(size_t n, size_t keep);

}  // namespace ropekv::bench::indexer
