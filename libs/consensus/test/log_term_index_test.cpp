// log_term_index against the obvious model: the log as a vector of terms.
#include "ropekv/consensus/log_term_index.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace ropekv::consensus::test {
namespace {

TEST(log_term_index, finds_the_last_index_of_each_term) {
  log_term_index t;
  EXPECT_EQ(t.last_index_of(1), 0u);
  for (uint64_t i = 1; i <= 3; ++i) t.append(i, 1);
  for (uint64_t i = 4; i <= 5; ++i) t.append(i, 2);
  t.append(6, 4);
  EXPECT_EQ(t.last_index_of(1), 3u);
  EXPECT_EQ(t.last_index_of(2), 5u);
  EXPECT_EQ(t.last_index_of(3), 0u);
  EXPECT_EQ(t.last_index_of(4), 6u);
  t.truncate_suffix(5);
  EXPECT_EQ(t.last_index_of(2), 4u);
  EXPECT_EQ(t.last_index_of(4), 0u);
  t.truncate_prefix(4);
  EXPECT_EQ(t.last_index_of(1), 0u);
  EXPECT_EQ(t.last_index_of(2), 4u);
  t.clear();
  EXPECT_TRUE(t.empty());
  t.append(100, 7);  // the first entry after an installed snapshot
  EXPECT_EQ(t.last_index_of(7), 100u);
}

TEST(log_term_index, a_hole_forgets_rather_than_guesses) {
  log_term_index t;
  t.append(1, 1);
  t.append(2, 1);
  t.append(5, 1);  // 3..4 missing: nothing before 5 is known any more
  EXPECT_EQ(t.last_index_of(1), 5u);
  t.truncate_suffix(5);
  EXPECT_EQ(t.last_index_of(1), 0u);
}

// Random Raft-shaped histories (appends with rising terms, suffix and
// prefix truncations) against a map index -> term.
TEST(log_term_index, matches_a_model_log) {
  std::mt19937_64 rng(7);
  log_term_index t;
  std::map<uint64_t, uint64_t> model;
  uint64_t term = 1, next = 1;
  for (int step = 0; step < 20000; ++step) {
    switch (rng() % 8) {
      case 0:
        ++term;
        break;
      case 1:
        if (next > 1) {
          uint64_t from = model.empty() ? next : model.begin()->first + rng() % (next - model.begin()->first);
          t.truncate_suffix(from);
          model.erase(model.lower_bound(from), model.end());
          next = std::min(next, from);
          if (model.empty()) next = from;
        }
        break;
      case 2:
        if (!model.empty()) {
          uint64_t before = model.begin()->first + rng() % (next - model.begin()->first + 1);
          t.truncate_prefix(before);
          model.erase(model.begin(), model.lower_bound(before));
        }
        break;
      default:
        t.append(next, term);
        model[next++] = term;
    }
    uint64_t probe = 1 + rng() % term;
    uint64_t expect = 0;
    for (const auto& [i, tm] : model) {
      if (tm == probe) expect = i;
    }
    ASSERT_EQ(t.last_index_of(probe), expect) << "step " << step;
    ASSERT_EQ(t.empty(), model.empty()) << "step " << step;
  }
}

}  // namespace
}  // namespace ropekv::consensus::test
