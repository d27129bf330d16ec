#include "load_meter.hpp"

#include <algorithm>
#include <cmath>

namespace ropekv::segment_owner {

void load_meter::add_sample(std::string key) {
  if (capacity_ == 0) return;
  if (samples_.size() >= capacity_) samples_.pop_front();
  samples_.push_back(std::move(key));
}

void load_meter::decay(time_point now, std::chrono::milliseconds tau) {
  if (!started_) {
    started_ = true;
    last_ = now;
    reads_ = writes_ = 0;
    return;
  }
  if (now <= last_) return;  // no time passed: the counts wait for the next call
  double dt = std::chrono::duration<double>(now - last_).count();
  double t = std::max(1e-3, std::chrono::duration<double>(tau).count());
  double alpha = 1 - std::exp(-dt / t);
  reads_per_s_ += alpha * (static_cast<double>(reads_) / dt - reads_per_s_);
  writes_per_s_ += alpha * (static_cast<double>(writes_) / dt - writes_per_s_);
  reads_ = writes_ = 0;
  last_ = now;
  // Refill the ring about once per time constant.
  double per_tau = ops_per_s() * t;
  every_ = std::max<uint64_t>(1, static_cast<uint64_t>(per_tau / static_cast<double>(std::max<size_t>(capacity_, 1))));
}

void load_meter::reset() {
  reads_ = writes_ = seen_ = 0;
  every_ = 1;
  reads_per_s_ = writes_per_s_ = 0;
  started_ = false;
  samples_.clear();
}

}  // namespace ropekv::segment_owner
