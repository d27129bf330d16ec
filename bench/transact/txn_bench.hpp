#pragma once
// ropekv-txn-bench: what one run does, and what its coroutines share.
//
// All connections run as coroutines on one io_context and thread; the run
// control below is the only state they share (plain fields: one thread).
// Each connection owns its log until the run is over and the logs merge.
#include <utility>  // before awaitable.hpp: Boost 1.74 uses std::exchange without it

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "txn_plan.hpp"

namespace ropekv::bench::transact {

struct bench_spec {
  std::string mode;                  // put | txn
  std::string host = "127.0.0.1";
  uint16_t port = 0;                 // the router's HTTP port
  std::string table;
  unsigned connections = 1;          // closed loop, one request in flight each
  double duration_s = 4;             // timed part
  double warmup_s = 1;               // before it: answers checked, not timed
  unsigned ops = 2;                  // txn: puts per transaction
  unsigned span = 1;                 // txn: distinct segments a transaction touches (<= ops)
  unsigned value_bytes = 256;        // item size (JSON bytes)
  std::string key_prefix;            // fresh keys: prefix + connection + running number
  uint64_t key_space = 0;            // 0: fresh keys; N: random keys k0..k<N-1>
  bool request_ids = false;          // txn: send a request_id with every transaction
  unsigned verify = 20;              // afterwards: GET the items of the last N writes (at least one per connection)
  unsigned warmup_errors_allowed = 5;  // failures tolerated in the warm-up (a segment may still elect)
  std::string label;
};

using steady = std::chrono::steady_clock;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

/// Fixed before the connections start.
struct run_control {
  int64_t start_ns = 0;
  int64_t warm_end_ns = 0;
  int64_t deadline_ns = 0;
  uint64_t next_txn = 0;  // transaction numbers, for the choice of segments
};

/// An acknowledged write whose items are read back afterwards.
struct written {
  std::vector<std::string> hash_keys;
  std::vector<uint64_t> versions;
};

/// One connection's record. A request counts in the timed window when it
/// was sent at or after warm_end and answered before the deadline.
struct conn_log {
  histogram latency;
  uint64_t requests = 0;          // timed and acknowledged
  uint64_t warmup_requests = 0;
  uint64_t errors = 0;            // timed (or after the deadline)
  uint64_t warmup_errors = 0;
  uint64_t keys_tried = 0;        // candidate hash keys looked at to land on the chosen segments
  uint64_t ops_without_version = 0;  // txn answers' ops with no version (see txn_answer)
  std::vector<std::string> error_samples;  // the first few
  std::deque<written> recent;     // its last acknowledged writes (see bench_spec::verify)

  void error(int64_t at_ns, int64_t warm_end_ns, std::string what) {
    ++(at_ns < warm_end_ns ? warmup_errors : errors);
    if (error_samples.size() < 3) error_samples.push_back(std::move(what));
  }
};

/// Afterwards: each item of the kept writes read back (strong GET).
struct verify_log {
  uint64_t items = 0;
  uint64_t ok = 0;
  std::vector<std::string> problems;  // the first few
};

boost::asio::awaitable<void> run_connection(const bench_spec& spec, const segment_map& map, run_control& ctl,
                                            unsigned index, conn_log& log);
boost::asio::awaitable<void> run_verify(const bench_spec& spec, std::vector<conn_log>& logs, verify_log& out);

bench_spec parse_options(const std::vector<std::string>& argv);  // throws std::invalid_argument
extern const char* const usage_text;

}  // namespace ropekv::bench::transact
