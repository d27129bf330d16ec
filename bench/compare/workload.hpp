#pragma once
// What one load run does (shared by the HTTP and RESP clients) and what it
// measured. The checks on an answer are pure functions, unit-tested.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "histogram.hpp"
#include "key_template.hpp"
#include "resp.hpp"

namespace ropekv::bench {

/// One kind of request (the read or the write side of a mix).
struct op_spec {
  // HTTP
  std::string method = "GET";
  std::string path = "/";
  std::string body;           // template; empty: no body
  int expect_status = 200;
  // RESP: arguments separated by single spaces, each a template
  std::string resp_command;
  // both: the answer body (HTTP) / reply text (RESP) must contain / must not contain
  std::string expect_body;
  std::string reject_body;
};

struct run_spec {
  std::string mode = "http";  // http | resp
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  unsigned connections = 1;
  unsigned threads = 1;
  double duration_s = 0;      // > 0: timed run
  uint64_t requests = 0;      // > 0: this many requests in total
  double warmup_s = 0;        // answers during the warm-up are checked, not timed
  double write_percent = 0;   // share of requests that use `write`
  op_spec read;
  op_spec write;
  std::shared_ptr<key_space> keys;
  bool sequential = false;    // keys in order (preload) instead of at random
  std::string label;
};

/// State shared by every connection of every thread.
struct run_control {
  using clock = std::chrono::steady_clock;
  clock::time_point start;
  clock::time_point warm_end;
  clock::time_point deadline;   // timed runs
  std::atomic<uint64_t> issued{0};
  std::atomic<uint64_t> key_counter{0};
  uint64_t limit = 0;           // request-count runs

  /// Claims the right to send one more request; false once the run is over.
  bool claim() {
    if (limit) return issued.fetch_add(1, std::memory_order_relaxed) < limit;
    issued.fetch_add(1, std::memory_order_relaxed);
    return clock::now() < deadline;
  }
};

struct run_stats {
  histogram latency;
  uint64_t requests = 0;  // answered (timed) requests
  uint64_t errors = 0;
  uint64_t reconnects = 0;
  std::vector<std::string> error_samples;  // the first few, for the report

  void error(std::string what) {
    ++errors;
    if (error_samples.size() < 3) error_samples.push_back(std::move(what));
  }
  void merge(const run_stats& o) {
    latency.merge(o.latency);
    requests += o.requests;
    errors += o.errors;
    reconnects += o.reconnects;
    for (const auto& s : o.error_samples)
      if (error_samples.size() < 3) error_samples.push_back(s);
  }
};

/// The key of the next request: in order from the shared counter when the
/// run is sequential, else drawn by this connection's picker.
inline std::string next_key(const run_spec& spec, run_control& ctl, key_picker& picker) {
  if (spec.sequential) return spec.keys->at(ctl.key_counter.fetch_add(1, std::memory_order_relaxed));
  uint64_t unused = 0;
  return picker.next(unused);
}

/// Empty when the HTTP answer is what `op` expects, else why not.
std::optional<std::string> check_http(const op_spec& op, int status, const std::string& body);
/// Empty when the RESP reply is what `op` expects, else why not (error and
/// null replies are always wrong).
std::optional<std::string> check_resp(const op_spec& op, const resp::reply& reply);

/// Splits a RESP command template on single spaces.
std::vector<request_template> resp_argument_templates(const std::string& command);

/// Chooses read or write for each request.
class op_chooser {
 public:
  op_chooser(double write_percent, uint64_t seed) : write_percent_(write_percent), rng_(seed) {}
  bool next_is_write() {
    if (write_percent_ <= 0) return false;
    if (write_percent_ >= 100) return true;
    return std::uniform_real_distribution<double>(0, 100)(rng_) < write_percent_;
  }

 private:
  double write_percent_;
  std::mt19937_64 rng_;
};

}  // namespace ropekv::bench
