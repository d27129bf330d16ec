#pragma once
// Log-bucket latency histogram (HDR-like): values in nanoseconds, 32 linear
// sub-buckets per power of two, so a percentile is exact to ~3%. Pure code,
// no allocation after construction; histograms of several threads merge.
#include <array>
#include <cstdint>

namespace ropekv::bench {

class histogram {
 public:
  static constexpr int sub_bits = 6;
  static constexpr int sub_count = 1 << sub_bits;
  /// 64 exact buckets below 64 ns, then 32 per shift 1..58 (all of uint64_t).
  static constexpr int bucket_count = sub_count + 58 * (sub_count / 2);

  void record(uint64_t ns) noexcept;
  void merge(const histogram& other) noexcept;

  uint64_t count() const noexcept { return count_; }
  uint64_t max() const noexcept { return max_; }
  uint64_t min() const noexcept { return count_ ? min_ : 0; }
  /// Value at quantile q in [0,1]: the upper edge of the bucket holding the
  /// ceil(q*count)-th smallest sample, capped at the exact max. 0 when empty.
  uint64_t quantile(double q) const noexcept;

  static int bucket_of(uint64_t ns) noexcept;
  /// Largest value that falls into bucket b.
  static uint64_t bucket_upper(int b) noexcept;

 private:
  std::array<uint64_t, bucket_count> buckets_{};
  uint64_t count_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace ropekv::bench
