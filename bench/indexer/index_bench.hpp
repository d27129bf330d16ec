#pragma once
// ropekv-index-bench: what one run does, and what its coroutines share.
//
// Threads: the load connections (writers, preload batches) run on one
// io_context and thread, the lag probe or the backfill control on a second
// one, so that the probe's timestamps do not wait behind 50 writers. The
// only state shared across threads is write_control (atomics and times
// fixed before the threads start); every log belongs to one coroutine until
// the threads are joined.
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "measure.hpp"

namespace ropekv::bench::indexer {

struct bench_spec {
  std::string mode;                  // put | preload | get | query | backfill
  std::string host = "127.0.0.1";
  uint16_t port = 0;                 // the router's HTTP port
  std::string table;
  unsigned connections = 50;         // closed loop, one request in flight each
  double duration_s = 4;             // timed part (backfill: the baseline before the index)
  double warmup_s = 1;               // before it: answers checked, not timed
  unsigned value_bytes = 256;        // item size
  std::string key_prefix;            // put/backfill: keys prefix + seq (also in the items' values)
  // preload / get / query: the table holds k0 .. k<items-1> (item_body("", i))
  uint64_t items = 0;
  unsigned batch = 25;               // preload: puts per POST /batch
  std::string consistency;           // get: "" (the router's default) | strong | eventual
  std::string index;                 // query: index to query; backfill: index to create (a definition
                                     // of item_shape.hpp: by_email, by_user, by_city, by_age, by_status)
  std::string index_name;            // backfill: its name in the API (default: `index`)
  // put: the lag probe polls these indexes in turn (none: no probe)
  std::vector<std::string> probe_indexes;
  double probe_timeout_s = 60;       // a probe not seen by then is a failure
  double probe_pause_ms = 5;         // between one probe's sighting and the next write
  unsigned probe_pollers = 2;        // connections polling for one probe, sends spread over a round trip
  // backfill: the foreground writes go to `table`, the index is built on backfill_table
  std::string backfill_table;
  std::string projection = "all";
  double backfill_timeout_s = 600;
  double sample_ms = 100;            // GET of the index's progress while it backfills
  unsigned warmup_errors_allowed = 5;  // non-2xx/IO failures tolerated in the warm-up
  std::string label;
};

using steady = std::chrono::steady_clock;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

/// Times are now_ns(); fixed before the threads start, except `stop`.
struct write_control {
  int64_t start_ns = 0;
  int64_t warm_end_ns = 0;
  int64_t deadline_ns = std::numeric_limits<int64_t>::max();  // put; others run until `stop`
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> next_seq{0};

  bool running() const { return !stop.load(std::memory_order_relaxed) && now_ns() < deadline_ns; }
};

/// Errors of one coroutine: those in the warm-up are tolerated up to a
/// bound (a segment may still be electing), the rest fail the run.
struct error_log {
  uint64_t warmup = 0;
  uint64_t timed = 0;
  std::vector<std::string> samples;  // the first few

  void add(int64_t at_ns, int64_t warm_end_ns, std::string what) {
    ++(at_ns < warm_end_ns ? warmup : timed);
    if (samples.size() < 3) samples.push_back(std::move(what));
  }
  void merge(const error_log& o) {
    warmup += o.warmup;
    timed += o.timed;
    for (const auto& s : o.samples)
      if (samples.size() < 3) samples.push_back(s);
  }
};

/// One writer (or preload) connection's record.
struct write_log {
  std::vector<write_sample> samples;
  error_log errors;
};

/// The lag probe's record. Lag: from the probe write's 2xx until an eq=
/// query (no after=) returns the item. `lag_upper` ends at the answer of
/// the first query that showed it; `lag_lower` at the send of the last one
/// that did not (0 when none missed it): the item became visible in
/// between, so the two bracket the true lag within about a round trip /
/// pollers.
struct probe_log {
  histogram lag_upper;
  histogram lag_lower;
  histogram poll_rtt;
  std::vector<histogram> per_index;  // lag_upper by probe index (spec.probe_indexes order)
  uint64_t probes = 0;       // written and acknowledged
  uint64_t timed = 0;        // ... of them acknowledged inside the timed window and seen
  uint64_t never_seen = 0;   // not seen within probe_timeout_s
  uint64_t polls = 0;
  uint64_t never_missed = 0;  // timed probes that no query missed: visible by the first send after the ack
  error_log errors;
};

/// The backfill control's record.
struct backfill_log {
  int64_t put_sent_ns = 0;
  int64_t created_ns = 0;     // PUT answered 201/200
  int64_t active_ns = 0;      // first GET that showed "active" (0: never)
  int64_t last_backfilling_ns = 0;
  unsigned put_status = 0;
  std::vector<progress_sample> samples;
  std::string failure;        // empty: the index became active in time
  error_log errors;           // GETs that failed
};

boost::asio::awaitable<void> run_writer(const bench_spec& spec, write_control& ctl, write_log& log);
boost::asio::awaitable<void> run_preload(const bench_spec& spec, write_control& ctl, write_log& log);
boost::asio::awaitable<void> run_probe(const bench_spec& spec, write_control& ctl, probe_log& log);
/// Waits for the end of the baseline window (warm-up + duration), creates
/// the index, samples its progress until it is active, then stops the writers.
boost::asio::awaitable<void> run_backfill(const bench_spec& spec, write_control& ctl, backfill_log& log);

bench_spec parse_options(const std::vector<std::string>& argv);  // throws std::invalid_argument
extern const char* const usage_text;

}  // namespace ropekv::bench::indexer
