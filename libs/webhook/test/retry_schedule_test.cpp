#include "ropekv/webhook/retry_schedule.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ropekv::webhook {
namespace {

using namespace std::chrono_literals;

TEST(RetrySchedule, DefaultIsStandardWebhooks) {
  retry_schedule s;
  std::vector<retry_delay> expected{0ms, 5s, 5min, 30min, 2h, 5h, 10h, 14h, 20h, 24h};
  EXPECT_EQ(s.delays(), expected);
  EXPECT_EQ(s.attempts(), 10u);
  EXPECT_EQ(s.to_string(), "0,5s,5m,30m,2h,5h,10h,14h,20h,24h");
}

TEST(RetrySchedule, ParsesUnitsAndSpaces) {
  auto s = retry_schedule::parse(" 0, 250ms ,5s,5m,2h ");
  ASSERT_TRUE(s) << s.error().message;
  std::vector<retry_delay> expected{0ms, 250ms, 5s, 5min, 2h};
  EXPECT_EQ(s->delays(), expected);
  EXPECT_EQ(s->to_string(), "0,250ms,5s,5m,2h");
  auto again = retry_schedule::parse(s->to_string());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->delays(), s->delays());
  auto zero_units = retry_schedule::parse("0s,0ms,0h");
  ASSERT_TRUE(zero_units);
  EXPECT_EQ(zero_units->attempts(), 3u);
  auto one_default = retry_schedule::parse(retry_schedule().to_string());
  ASSERT_TRUE(one_default);
  EXPECT_EQ(one_default->delays(), retry_schedule().delays());
}

TEST(RetrySchedule, RejectsBadInput) {
  for (std::string_view bad : {"", " ", "5", "5x", "5 s", "s", "-5s", "+5s", "1.5s", "5s,", ",5s", "5s,,5m",
                               "0x10s", "5S", "5sec", "721h", "9999999999999h", "5s;5m"}) {
    auto r = retry_schedule::parse(bad);
    EXPECT_FALSE(r.ok()) << "'" << bad << "'";
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, errc::invalid_argument);
    }
  }
  std::string many;
  for (int i = 0; i <= 100; ++i) many += i ? ",1s" : "1s";
  EXPECT_FALSE(retry_schedule::parse(many).ok());
  EXPECT_TRUE(retry_schedule::parse("720h").ok());
}

TEST(RetrySchedule, DelayBeforeIsJitteredWithinTwentyPercent) {
  retry_schedule s;
  std::mt19937_64 rng(7);
  for (int round = 0; round < 200; ++round) {
    for (uint32_t attempt = 1; attempt <= s.attempts(); ++attempt) {
      auto base = s.delays()[attempt - 1];
      auto d = s.delay_before(attempt, rng);
      ASSERT_TRUE(d.has_value());
      EXPECT_GE(d->count(), base.count() - base.count() / 5);
      EXPECT_LE(d->count(), base.count() + base.count() / 5);
    }
  }
  EXPECT_EQ(s.delay_before(1, rng), 0ms);  // no jitter on zero
  EXPECT_EQ(s.delay_before(0, rng), 0ms);  // 0 taken as the first attempt
}

TEST(RetrySchedule, JitterActuallyVariesAndIsSeeded) {
  retry_schedule s;
  std::mt19937_64 a(1), b(1), c(2);
  std::vector<int64_t> from_a, from_b, from_c;
  for (int i = 0; i < 20; ++i) {
    from_a.push_back(s.delay_before(4, a)->count());
    from_b.push_back(s.delay_before(4, b)->count());
    from_c.push_back(s.delay_before(4, c)->count());
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
  std::sort(from_a.begin(), from_a.end());
  EXPECT_NE(from_a.front(), from_a.back());
}

TEST(RetrySchedule, ExhaustedMeansFailing) {
  auto s = retry_schedule::parse("0,1s").value();
  std::mt19937_64 rng(3);
  EXPECT_TRUE(s.delay_before(2, rng).has_value());
  EXPECT_FALSE(s.delay_before(3, rng).has_value());
  EXPECT_FALSE(s.delay_before(1000, rng).has_value());
}

TEST(RetrySchedule, HonoursRetryAfterOn429And503Only) {
  auto s = retry_schedule::parse("0,1s,1h").value();
  std::mt19937_64 rng(5);
  EXPECT_EQ(s.delay_before(2, rng, {429, 600}), 600s);
  EXPECT_EQ(s.delay_before(2, rng, {503, 600}), 600s);
  EXPECT_EQ(s.delay_before(1, rng, {429, 60}), 60s);  // even before an immediate attempt
  auto d = s.delay_before(2, rng, {500, 600});
  ASSERT_TRUE(d);
  EXPECT_LE(*d, 1200ms);                               // other statuses: ignored
  d = s.delay_before(3, rng, {429, 5});                // the schedule's delay is larger
  ASSERT_TRUE(d);
  EXPECT_GE(*d, 48min);
  EXPECT_EQ(s.delay_before(2, rng, {429, int64_t{1} << 60}), max_retry_after);  // capped
  EXPECT_LE(*s.delay_before(2, rng, {429, -5}), 1200ms);
  EXPECT_FALSE(s.delay_before(4, rng, {429, 600}).has_value());  // still exhausted
}

TEST(Jitter, SmallDelays) {
  std::mt19937_64 rng(11);
  EXPECT_EQ(jitter(0ms, rng), 0ms);
  EXPECT_EQ(jitter(4ms, rng), 4ms);  // 20 % rounds to zero
  for (int i = 0; i < 100; ++i) {
    auto d = jitter(10ms, rng);
    EXPECT_GE(d, 8ms);
    EXPECT_LE(d, 12ms);
  }
}

}  // namespace
}  // namespace ropekv::webhook
