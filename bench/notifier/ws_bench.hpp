#pragma once
// ropekv-ws-bench: what one run does and what it measured. The writer (HTTP
// PUTs through the router) and the subscribers (WebSocket connections to one
// notifier) share only what is declared here.
//
// Threads: the writer's connections run on one io_context and thread, the
// subscribers' on `threads` io_contexts with one thread each. Everything a
// connection records is its own (or its thread's) until the threads are
// joined; the main thread only polls the atomics while they run.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "seq_set.hpp"

namespace ropekv::bench {

struct ws_bench_spec {
  std::string host = "127.0.0.1";
  uint16_t http_port = 0;         // the router
  uint16_t ws_port = 0;           // the notifier
  std::string table = "bench_notify";
  std::string key_prefix;         // this run's keys: prefix + sequence number
  unsigned subscribers = 1;       // 0: the writer alone (the baseline)
  unsigned threads = 2;           // subscriber I/O threads
  unsigned writers = 50;          // writer connections, one PUT in flight each
  double duration_s = 4;          // writes after the warm-up that count for the rate
  double warmup_s = 1;            // writes then are checked for delivery, not timed
  double subscribe_timeout_s = 60;
  double drain_timeout_s = 60;    // after the last write, wait this long at most for events
  double stall_timeout_s = 10;    // ... or until no event arrived for this long
  unsigned value_bytes = 100;     // item size (a padding field fills it up)
  std::string label;
};

/// Wall clock for the write->event latency: writer and subscribers share one
/// machine, and the stamp travels inside the item.
inline int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// ------------------------------------------------------------------ writer

struct writer_control {
  int64_t start_ns = 0;      // realtime
  int64_t warm_end_ns = 0;
  int64_t deadline_ns = 0;
  std::atomic<uint64_t> next_seq{0};
  /// When each write's 2xx arrived (realtime ns; 0: not yet), by sequence
  /// number, for the ack->event latency; sized before the writer starts,
  /// later writes are not tracked.
  std::unique_ptr<std::atomic<int64_t>[]> acked_at;
  uint64_t acked_at_size = 0;

  void record_ack(uint64_t seq, int64_t ns) {
    if (seq < acked_at_size) acked_at[seq].store(ns, std::memory_order_release);
  }
  int64_t ack_of(uint64_t seq) const {
    return seq < acked_at_size ? acked_at[seq].load(std::memory_order_acquire) : -1;
  }
};

struct writer_stats {
  std::vector<uint64_t> acked;   // sequence numbers answered 2xx
  histogram latency;             // PUT round trips after the warm-up
  uint64_t timed = 0;            // PUTs answered 2xx after the warm-up
  uint64_t errors = 0;
  std::vector<std::string> error_samples;
  void error(std::string what) {
    ++errors;
    if (error_samples.size() < 3) error_samples.push_back(std::move(what));
  }
};

// ------------------------------------------------------------- subscribers

/// What one subscriber connection saw.
struct subscriber_state {
  seq_set received;                  // this run's writes, by sequence number
  uint64_t events = 0;               // event frames, any key
  uint64_t duplicates = 0;
  uint64_t foreign = 0;              // events of keys not written by this run
  std::atomic<uint64_t> distinct{0}; // received.size(), for the main thread's polling
  std::atomic<bool> subscribed{false};
  std::atomic<bool> failed{false};   // cut off (slow_consumer, error, EOF)
  std::string failure;               // set before `failed`
};

/// Shared by the connections of one subscriber thread.
struct thread_stats {
  histogram write_to_event;     // item t_ns -> receipt
  histogram leader_to_event;    // the leader's timestamp_us -> receipt (coarse: µs)
  histogram ack_to_event;       // the writer's 2xx -> receipt
  uint64_t before_ack = 0;      // events that arrived before their write's 2xx
  int64_t first_event_ns = 0;
  int64_t last_event_ns = 0;
  uint64_t events_during_writes = 0;  // received inside [warm_end, deadline]
  double cpu_s = 0;
};

struct subscriber_control {
  std::atomic<unsigned> subscribed{0};
  std::atomic<unsigned> failed{0};
  std::atomic<bool> stopping{false};
  std::atomic<int64_t> warm_end_ns{0};   // set when the writer starts
  std::atomic<int64_t> deadline_ns{0};
  std::atomic<uint64_t> total_distinct{0};
  const writer_control* writer = nullptr;  // for the ack times
};

}  // namespace ropekv::bench
