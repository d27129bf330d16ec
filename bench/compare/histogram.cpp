#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ropekv::bench {

// Below 64 ns every value has its own bucket. Above, a value with its most
// significant bit at m is shifted right by m-5 so that 6 significant bits
// remain (top in [32, 64)); each shift value gets 32 consecutive buckets.
int histogram::bucket_of(uint64_t ns) noexcept {
  if (ns < static_cast<uint64_t>(sub_count)) return static_cast<int>(ns);
  int msb = 63 - std::countl_zero(ns);  // in [6, 63]
  int shift = msb - (sub_bits - 1);     // in [1, 58]
  auto top = static_cast<int>(ns >> shift);
  return sub_count + (shift - 1) * (sub_count / 2) + (top - sub_count / 2);
}

uint64_t histogram::bucket_upper(int b) noexcept {
  if (b < sub_count) return static_cast<uint64_t>(b);
  int shift = (b - sub_count) / (sub_count / 2) + 1;
  int top = (b - sub_count) % (sub_count / 2) + sub_count / 2;
  uint64_t width = uint64_t{1} << shift;
  uint64_t lo = static_cast<uint64_t>(top) << shift;
  return lo + (width - 1);
}

void histogram::record(uint64_t ns) noexcept {
  ++buckets_[static_cast<size_t>(bucket_of(ns))];
  ++count_;
  max_ = std::max(max_, ns);
  min_ = std::min(min_, ns);
}

void histogram::merge(const histogram& other) noexcept {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

uint64_t histogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(bucket_upper(static_cast<int>(i)), max_);
  }
  return max_;
}

}  // namespace ropekv::bench
