#include "histogram.hpp"

#include <gtest/gtest.h>

#include <random>

using ropekv::bench::histogram;

TEST(loadgen_histogram, small_values_are_exact) {
  for (uint64_t v = 0; v < 64; ++v) {
    EXPECT_EQ(histogram::bucket_of(v), static_cast<int>(v));
    EXPECT_EQ(histogram::bucket_upper(static_cast<int>(v)), v);
  }
}

TEST(loadgen_histogram, buckets_are_monotonic_and_cover_their_values) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = rng() >> (rng() % 64);
    int b = histogram::bucket_of(v);
    ASSERT_GE(b, 0);
    ASSERT_LT(b, histogram::bucket_count);
    EXPECT_LE(v, histogram::bucket_upper(b));
    if (b > 0) {
      EXPECT_GT(v, histogram::bucket_upper(b - 1));
    }
    // relative width of a bucket stays below ~3.2 %
    if (v >= 64) {
      EXPECT_LE(static_cast<double>(histogram::bucket_upper(b) - v) / static_cast<double>(v), 1.0 / 32);
    }
  }
  EXPECT_EQ(histogram::bucket_of(UINT64_MAX), histogram::bucket_count - 1);
  EXPECT_EQ(histogram::bucket_upper(histogram::bucket_count - 1), UINT64_MAX);
}

TEST(loadgen_histogram, quantiles_of_a_uniform_sample) {
  histogram h;
  for (uint64_t ms = 1; ms <= 1000; ++ms) h.record(ms * 1'000'000);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max(), 1'000'000'000u);
  EXPECT_EQ(h.min(), 1'000'000u);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 500e6, 500e6 * 0.032);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 990e6, 990e6 * 0.032);
  EXPECT_EQ(h.quantile(1.0), h.max());
  EXPECT_GE(h.quantile(0.5), 500'000'000u);  // upper edge: never under-reports
}

TEST(loadgen_histogram, empty_and_merge) {
  histogram a, b;
  EXPECT_EQ(a.quantile(0.5), 0u);
  EXPECT_EQ(a.min(), 0u);
  a.record(10);
  b.record(1000);
  b.record(2000);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 2000u);
  EXPECT_EQ(a.quantile(0.0), 10u);
  EXPECT_EQ(a.quantile(1.0), 2000u);
}
