#include "split_policy.hpp"

#include <algorithm>
#include <limits>

namespace ropekv::segment_owner {

placement::split_reason split_due(const split_settings& s, uint64_t items, uint64_t bytes, double ops_per_s) {
  placement::segment_limits limits;
  limits.max_bytes = s.max_bytes == 0 ? std::numeric_limits<uint64_t>::max() : s.max_bytes;
  limits.hot_ops_per_s = s.hot_ops_per_s <= 0 ? std::numeric_limits<double>::infinity() : s.hot_ops_per_s;
  placement::segment_stats stats;
  stats.items = items;
  stats.bytes = bytes;
  stats.reads_per_s = ops_per_s;
  return placement::should_split(stats, limits);
}

std::chrono::milliseconds split_gate::refused(time_point now, const split_settings& s) {
  in_flight_ = false;
  next_wait_ = next_wait_.count() == 0 ? s.check_interval : std::min(s.backoff_max, next_wait_ * 2);
  next_wait_ = std::min(next_wait_, s.backoff_max);
  not_before_ = now + next_wait_;
  return next_wait_;
}

void split_gate::accepted(time_point now, const split_settings& s) {
  in_flight_ = false;
  next_wait_ = std::chrono::milliseconds(0);
  not_before_ = now + s.check_interval;
}

}  // namespace ropekv::segment_owner
