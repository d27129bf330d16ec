#pragma once
// Exponential backoff between retries (connects, registrations): doubles
// from min to max, back to min after a success. Time is passed in.
#include <algorithm>
#include <chrono>

namespace ropekv::segment_owner {

using clock = std::chrono::steady_clock;
using time_point = clock::time_point;

class backoff {
 public:
  backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max), next_(min) {}

  /// After a failure at `now`: when to try again.
  time_point failed(time_point now) {
    time_point at = now + next_;
    next_ = std::min(max_, next_ * 2);
    return at;
  }
  void reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
};

}  // namespace ropekv::segment_owner
