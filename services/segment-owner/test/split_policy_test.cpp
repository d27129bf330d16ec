// When a leader proposes a split (split_policy.hpp) and how it measures
// load (load_meter.hpp): thresholds, fewer than two items, decayed rates,
// sampling, one proposal in flight, back-off and cool-down.
#include <gtest/gtest.h>

#include <cmath>

#include "load_meter.hpp"
#include "split_policy.hpp"

namespace ropekv::segment_owner {
namespace {

using namespace std::chrono_literals;
using placement::split_reason;
using tp = std::chrono::steady_clock::time_point;

split_settings small() {
  split_settings s;
  s.max_bytes = 4096;
  s.hot_ops_per_s = 100;
  s.check_interval = 1000ms;
  s.backoff_max = 8000ms;
  return s;
}

TEST(split_due, size_and_load_thresholds) {
  auto s = small();
  EXPECT_EQ(split_due(s, 10, 4096, 0), split_reason::none);  // at the limit: not above
  EXPECT_EQ(split_due(s, 10, 4097, 0), split_reason::too_large);
  EXPECT_EQ(split_due(s, 10, 100, 101), split_reason::too_hot);
  EXPECT_EQ(split_due(s, 10, 5000, 500), split_reason::too_large);  // size first
}

TEST(split_due, fewer_than_two_items_never_split) {
  auto s = small();
  EXPECT_EQ(split_due(s, 0, 1 << 30, 1e9), split_reason::none);
  EXPECT_EQ(split_due(s, 1, 1 << 30, 1e9), split_reason::none);
  EXPECT_EQ(split_due(s, 2, 1 << 30, 1e9), split_reason::too_large);
}

TEST(split_due, zero_disables_a_trigger) {
  auto s = small();
  s.max_bytes = 0;
  EXPECT_EQ(split_due(s, 10, uint64_t{1} << 40, 0), split_reason::none);
  s.hot_ops_per_s = 0;
  EXPECT_EQ(split_due(s, 10, uint64_t{1} << 40, 1e9), split_reason::none);
}

TEST(load_meter, rates_decay_toward_the_current_load) {
  load_meter m;
  tp t0{};
  m.decay(t0, 1000ms);  // starts the clock
  for (int i = 0; i < 200; ++i) m.record_read();
  for (int i = 0; i < 100; ++i) m.record_write();
  m.decay(t0 + 1s, 1000ms);
  // One time constant at 200 r/s from 0: 1 - 1/e of the way.
  EXPECT_NEAR(m.reads_per_s(), 200 * (1 - std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(m.writes_per_s(), 100 * (1 - std::exp(-1.0)), 1e-6);
  // A steady load converges; silence decays it, never to a negative rate.
  for (int s = 2; s < 12; ++s) {
    for (int i = 0; i < 200; ++i) m.record_read();
    m.decay(t0 + std::chrono::seconds(s), 1000ms);
  }
  EXPECT_NEAR(m.reads_per_s(), 200, 1);
  m.decay(t0 + 20s, 1000ms);
  EXPECT_LT(m.ops_per_s(), 1);
  EXPECT_GE(m.ops_per_s(), 0);
}

TEST(load_meter, a_short_burst_does_not_reach_the_threshold) {
  // Hysteresis comes from the decay: 0.1 s at 1000 ops/s inside a quiet
  // second is a rate of 100/s for that second, far below 1000.
  load_meter m;
  tp t0{};
  m.decay(t0, 10000ms);
  for (int i = 0; i < 100; ++i) m.record_read();
  m.decay(t0 + 1s, 10000ms);
  EXPECT_LT(m.ops_per_s(), 10);
}

TEST(load_meter, samples_are_bounded_and_thinned_under_load) {
  load_meter m(8);
  for (int i = 0; i < 20; ++i) m.add_sample("k" + std::to_string(i));
  ASSERT_EQ(m.samples().size(), 8u);
  EXPECT_EQ(m.samples().front(), "k12");  // the most recent ones
  EXPECT_EQ(m.sample_every(), 1u);
  tp t0{};
  m.decay(t0, 1000ms);
  for (int i = 0; i < 8000; ++i) m.record_read();
  m.decay(t0 + 1s, 1000ms);
  // ~5000 ops per time constant into a ring of 8: about one in 600 sampled.
  EXPECT_GT(m.sample_every(), 100u);
  int sampled = 0;
  for (int i = 0; i < 10000; ++i) sampled += m.sample_now() ? 1 : 0;
  EXPECT_EQ(sampled, static_cast<int>(10000 / m.sample_every()));
  m.reset();
  EXPECT_TRUE(m.samples().empty());
  EXPECT_EQ(m.ops_per_s(), 0);
}

TEST(split_gate, one_proposal_in_flight_then_back_off_doubling_to_a_cap) {
  auto s = small();
  split_gate g;
  tp t0{};
  EXPECT_TRUE(g.may_propose(t0));
  g.started();
  EXPECT_FALSE(g.may_propose(t0));
  EXPECT_FALSE(g.may_propose(t0 + 1h));  // in flight: never a second one
  EXPECT_EQ(g.refused(t0, s), 1000ms);
  EXPECT_FALSE(g.may_propose(t0 + 999ms));
  EXPECT_TRUE(g.may_propose(t0 + 1000ms));
  std::vector<std::chrono::milliseconds> waits;
  for (int i = 0; i < 5; ++i) {
    g.started();
    waits.push_back(g.refused(t0, s));
  }
  EXPECT_EQ(waits, (std::vector<std::chrono::milliseconds>{2000ms, 4000ms, 8000ms, 8000ms, 8000ms}));
}

TEST(split_gate, acceptance_cools_down_and_resets_the_back_off) {
  auto s = small();
  split_gate g;
  tp t0{};
  g.started();
  g.refused(t0, s);
  g.started();
  g.refused(t0, s);
  g.started();
  g.accepted(t0, s);
  EXPECT_FALSE(g.in_flight());
  EXPECT_FALSE(g.may_propose(t0 + 999ms));  // cool-down: one check interval
  EXPECT_TRUE(g.may_propose(t0 + 1000ms));
  g.started();
  EXPECT_EQ(g.refused(t0, s), 1000ms);  // back-off starts over
}

}  // namespace
}  // namespace ropekv::segment_owner
