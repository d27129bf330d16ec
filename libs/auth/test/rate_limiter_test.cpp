#include <gtest/gtest.h>

#include "ropekv/auth/rate_limiter.hpp"

using namespace ropekv::auth;
using namespace std::chrono_literals;

TEST(RateLimiter, BurstsUpToTheRateThenRefills) {
  rate_limiter l;
  auto t0 = rate_limiter::clock::time_point{} + 1h;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(l.admit("a", 10, t0), 0u) << i;
  EXPECT_EQ(l.admit("a", 10, t0), 1u);   // empty: one more in 0.1 s, Retry-After rounds up
  EXPECT_EQ(l.admit("a", 10, t0 + 100ms), 0u);
  EXPECT_EQ(l.admit("a", 10, t0 + 100ms), 1u);
  EXPECT_EQ(l.admit("b", 10, t0), 0u);   // buckets are per token
}

TEST(RateLimiter, SlowRatesWaitLonger) {
  rate_limiter l;
  auto t0 = rate_limiter::clock::time_point{} + 1h;
  EXPECT_EQ(l.admit("a", 0.25, t0), 0u);   // capacity 1
  EXPECT_EQ(l.admit("a", 0.25, t0), 4u);   // 1 / 0.25 s
  EXPECT_EQ(l.admit("a", 0.25, t0 + 3s), 1u);
  EXPECT_EQ(l.admit("a", 0.25, t0 + 4s), 0u);
}

TEST(RateLimiter, ZeroMeansUnlimited) {
  rate_limiter l;
  auto t0 = rate_limiter::clock::time_point{} + 1h;
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(l.admit("a", 0, t0), 0u);
  EXPECT_EQ(l.size(), 0u);
}
