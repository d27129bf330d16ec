#include "measure.hpp"

#include <gtest/gtest.h>

using namespace ropekv::bench::indexer;

TEST(index_bench_window, counts_acks_in_the_half_open_window) {
  std::vector<write_sample> s{{100, 5}, {1'000'000'000, 7}, {1'500'000'000, 9}, {2'000'000'000, 11}};
  auto w = window_of(s, 1'000'000'000, 2'000'000'000);
  EXPECT_EQ(w.writes, 2u);
  EXPECT_DOUBLE_EQ(w.seconds, 1.0);
  EXPECT_DOUBLE_EQ(w.per_s, 2.0);
  EXPECT_EQ(w.latency.count(), 2u);
  EXPECT_EQ(window_of(s, 5, 5).per_s, 0.0);
}

TEST(index_bench_progress, any_shrinking_items_done_is_a_decrease) {
  std::vector<progress_sample> s;
  auto add = [&](const char* state, uint64_t done, double rate = 0) {
    progress_sample p;
    p.state = state;
    p.items_done = done;
    p.items_per_s = rate;
    s.push_back(p);
  };
  add("unassigned", 0);
  add("backfilling", 0, 0);
  add("backfilling", 500, 10);
  add("backfilling", 500, 30);
  add("active", 0);
  auto v = check_progress(s);
  EXPECT_TRUE(v.monotonic);
  EXPECT_EQ(v.samples, 5u);
  EXPECT_EQ(v.backfilling, 3u);
  EXPECT_EQ(v.max_items_done, 500u);
  EXPECT_DOUBLE_EQ(v.median_items_per_s, 20);  // of 10 and 30: the sample without a figure is left out
  add("backfilling", 499);
  v = check_progress(s);
  EXPECT_FALSE(v.monotonic);
  EXPECT_EQ(v.decreases, 1u);
}

TEST(index_bench_progress, thinning_keeps_ends_and_bounds_the_count) {
  EXPECT_EQ(thin_indices(3, 24), (std::vector<size_t>{0, 1, 2}));
  auto t = thin_indices(100, 5);
  EXPECT_EQ(t, (std::vector<size_t>{0, 24, 49, 74, 99}));
  EXPECT_TRUE(thin_indices(0, 5).empty());
}
