#pragma once
// rate_limiter: a token bucket per bearer token (by name), refilled at the
// token's rate (requests per second), holding at most one second's worth
// (at least one request), so a client may burst up to its rate and no
// further. Thread-safe (one mutex; the critical section is a few
// arithmetic operations). Time is passed in, so tests control it.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ropekv::auth {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  /// 0 when the request may go ahead (and is counted); otherwise the whole
  /// seconds (>= 1) after which one will be allowed: the Retry-After value.
  /// rate <= 0: unlimited (always 0, nothing kept).
  uint32_t admit(const std::string& key, double rate, clock::time_point now);

  /// Buckets kept (tokens seen lately).
  size_t size() const;

 private:
  struct bucket {
    double level = 0;  // requests available now
    clock::time_point updated;
  };
  void prune(clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
  clock::time_point last_prune_{};
};

}  // namespace ropekv::auth
