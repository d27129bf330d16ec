// Property tests: random split / merge / update sequences against a naive
// model (std::map from start key to segment). After every step the rope must
// cover the keyspace with no overlap, agree with the model on lookups and
// aggregates, and old versions must read exactly as they did; diffs between
// random pairs of versions must reproduce the later one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "rope_test_util.hpp"
#include "ropekv/rope/rope_delta.hpp"

namespace ropekv::rope {
namespace {

using testing::covers_keyspace;
using testing::make_segment;
using testing::random_key;

// The obviously-correct rope: every query is a scan.
struct model {
  std::map<std::string, segment> by_start;

  std::vector<segment> list() const {
    std::vector<segment> out;
    for (const auto& [start, s] : by_start) out.push_back(s);
    return out;
  }
  const segment& nth(size_t i) const { return std::next(by_start.begin(), i)->second; }
  const segment& holding(const std::string& key) const {
    return std::prev(by_start.upper_bound(key))->second;
  }
  segment_stats sum_over(const std::string& from, const std::string& to) const {
    segment_stats sum;
    if (!to.empty() && from >= to) return sum;
    for (const auto& [start, s] : by_start) {
      if ((to.empty() || s.start < to) && (s.end.empty() || s.end > from)) sum += s.stats;
    }
    return sum;
  }
};

::testing::AssertionResult same_stats(const segment_stats& a, const segment_stats& b) {
  auto near = [](double x, double y) { return std::abs(x - y) <= 1e-9 * std::max(1.0, std::abs(y)); };
  if (a.bytes == b.bytes && a.items == b.items && near(a.reads_per_s, b.reads_per_s) &&
      near(a.writes_per_s, b.writes_per_s)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "bytes " << a.bytes << " vs " << b.bytes << ", items "
                                       << a.items << " vs " << b.items;
}

segment_stats random_stats(std::mt19937_64& rng) {
  return {rng() % 1000, rng() % 100, static_cast<double>(rng() % 50),
          static_cast<double>(rng() % 50)};
}

struct version {
  rope r;
  std::vector<segment> segs;
};

class rope_property : public ::testing::TestWithParam<uint64_t> {
 protected:
  std::mt19937_64 rng_{GetParam()};
  model m_;
  rope r_;
  uint64_t next_id_ = 1;
  std::vector<segment_id> gone_;  // ids of segments split or merged away

  segment_id fresh_id() { return segment_id{next_id_++}; }

  void commit(result<rope> out) {
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(out->version(), r_.version() + 1);
    // O(log n) nodes per edit (tree path + rotations, trie paths, records).
    ASSERT_LE(out->nodes_created(), 4 * std::log2(r_.size() + 1) + 16);
    r_ = std::move(out).value();
  }

  void random_split() {
    const segment s = m_.nth(rng_() % m_.by_start.size());
    std::string at;
    for (int tries = 0; tries < 8 && at.empty(); ++tries) {
      std::string k = rng_() % 2 ? s.start + random_key(rng_, 3) : random_key(rng_);
      if (s.start < k && s.contains(k)) at = k;
    }
    if (at.empty()) return;  // e.g. ["a", "a\0") has no key strictly inside
    segment left = s, right = s;
    left.id = fresh_id();
    right.id = fresh_id();
    left.end = right.start = at;
    left.epoch = right.epoch = s.epoch + 1;
    std::optional<split_stats> measured;
    if (rng_() % 2) {
      measured = split_stats{random_stats(rng_), random_stats(rng_)};
      left.stats = measured->left;
      right.stats = measured->right;
    } else {
      right.stats = {s.stats.bytes / 2, s.stats.items / 2, s.stats.reads_per_s / 2,
                     s.stats.writes_per_s / 2};
      left.stats = {s.stats.bytes - right.stats.bytes, s.stats.items - right.stats.items,
                    s.stats.reads_per_s / 2, s.stats.writes_per_s / 2};
    }
    commit(r_.split(s.id, at, left.id, right.id, measured));
    m_.by_start[left.start] = left;
    m_.by_start[right.start] = right;
    gone_.push_back(s.id);
  }

  void random_merge() {
    if (m_.by_start.size() < 2) return;
    size_t i = rng_() % (m_.by_start.size() - 1);
    const segment a = m_.nth(i), b = m_.nth(i + 1);
    segment merged = a;
    merged.id = fresh_id();
    merged.end = b.end;
    merged.epoch = std::max(a.epoch, b.epoch) + 1;
    merged.stats = a.stats + b.stats;
    commit(r_.merge(a.id, b.id, merged.id));
    m_.by_start.erase(b.start);
    m_.by_start[a.start] = merged;
    gone_.push_back(a.id);
    gone_.push_back(b.id);
  }

  void random_update() {
    segment& s = m_.by_start.find(m_.nth(rng_() % m_.by_start.size()).start)->second;
    switch (rng_() % 3) {
      case 0: {
        std::vector<node_id> nodes;
        for (uint64_t n = 1; n <= 6; ++n) {
          if (rng_() % 2) nodes.push_back(node_id{n});
        }
        std::shuffle(nodes.begin(), nodes.end(), rng_);
        auto a = nodes, b = s.replicas;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        if (a != b) s.epoch++;
        if (std::find(nodes.begin(), nodes.end(), s.leader_hint) == nodes.end()) s.leader_hint = {};
        s.replicas = nodes;
        commit(r_.set_replicas(s.id, nodes));
        break;
      }
      case 1:
        s.leader_hint = node_id{rng_() % 7};
        commit(r_.set_leader(s.id, s.leader_hint));
        break;
      default:
        s.stats = random_stats(rng_);
        commit(r_.set_stats(s.id, s.stats));
    }
  }

  // Refused edits must leave nothing changed (the rope is a value: r_ is
  // simply not replaced, but the call must say so).
  void refused_edit() {
    size_t n = m_.by_start.size();
    const segment& s = m_.nth(rng_() % n);
    EXPECT_FALSE(r_.split(s.id, s.start, fresh_id(), fresh_id()).ok());
    if (n >= 3) {
      size_t i = rng_() % (n - 2);
      EXPECT_EQ(r_.merge(m_.nth(i).id, m_.nth(i + 2).id, fresh_id()).error().code,
                errc::invalid_argument);
      EXPECT_EQ(r_.merge(m_.nth(i + 1).id, m_.nth(i).id, fresh_id()).error().code,
                errc::invalid_argument);
    }
  }

  void check_against_model() {
    ASSERT_TRUE(covers_keyspace(r_));
    const std::vector<segment> all = m_.list();
    ASSERT_EQ(r_.segments(), all);
    for (int i = 0; i < 8; ++i) {
      std::string key = random_key(rng_);
      const segment& want = m_.holding(key);
      ASSERT_EQ(r_.get_segment(key), want);
      ASSERT_EQ(r_.at(r_.rank_of(key)).id, want.id);
    }
    for (int i = 0; i < 3; ++i) {
      std::string from = random_key(rng_), to = random_key(rng_);
      ASSERT_TRUE(same_stats(r_.aggregate(from, to), m_.sum_over(from, to)));
      size_t a = rng_() % (r_.size() + 1), b = rng_() % (r_.size() + 1);
      segment_stats want;
      for (size_t k = a; k < b; ++k) want += all[k].stats;
      ASSERT_TRUE(same_stats(r_.aggregate_ranks(a, b), want));
    }
    for (int i = 0; i < 3 && !gone_.empty(); ++i) {
      ASSERT_EQ(r_.find(gone_[rng_() % gone_.size()]), nullptr);
    }
  }

  void check_size_queries() {
    uint64_t limit = rng_() % 1000;
    std::vector<segment> big;
    std::vector<std::pair<segment, segment>> pairs;
    std::vector<segment> all = m_.list();
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].stats.bytes > limit) big.push_back(all[i]);
      if (i + 1 < all.size() && all[i].stats.bytes < limit && all[i + 1].stats.bytes < limit) {
        pairs.emplace_back(all[i], all[i + 1]);
      }
    }
    ASSERT_EQ(r_.oversized(limit), big);
    ASSERT_EQ(r_.undersized_pairs(limit), pairs);
  }
};

TEST_P(rope_property, random_edits_agree_with_model) {
  segment first = make_segment(next_id_++, "", "", 500);
  r_ = rope::initial(first);
  m_.by_start[""] = r_.at(0);
  std::vector<version> history{{r_, m_.list()}};
  constexpr int steps = 2000;
  for (int step = 0; step < steps; ++step) {
    // Grow to ~150 segments (splits 55% vs merges 20%), then hover there
    // (30% vs 35%), so merges see large ropes too. Updates and refused
    // edits take the rest.
    bool growing = m_.by_start.size() < 150;
    int split_share = growing ? 55 : 30;
    int merge_share = growing ? 20 : 35;
    int op = static_cast<int>(rng_() % 100);
    if (op < split_share) {
      ASSERT_NO_FATAL_FAILURE(random_split());
    } else if (op < split_share + merge_share) {
      ASSERT_NO_FATAL_FAILURE(random_merge());
    } else if (op < 95) {
      ASSERT_NO_FATAL_FAILURE(random_update());
    } else {
      ASSERT_NO_FATAL_FAILURE(refused_edit());
    }
    ASSERT_NO_FATAL_FAILURE(check_against_model()) << "step " << step;
    if (step % 10 == 0) {
      ASSERT_NO_FATAL_FAILURE(check_size_queries()) << "step " << step;
    }
    if (step % 25 == 0) history.push_back({r_, m_.list()});

    // A random old version still reads exactly as it did.
    const version& old = history[rng_() % history.size()];
    ASSERT_EQ(old.r.segments(), old.segs) << "step " << step;

    // diff(a, b) applied to a gives b, for a random pair (either direction).
    if (step % 3 == 0) {
      const version& a = history[rng_() % history.size()];
      const version& b = rng_() % 4 ? history[rng_() % history.size()] : version{r_, m_.list()};
      auto out = apply(a.r, diff(a.r, b.r));
      ASSERT_TRUE(out.ok()) << out.error().message;
      ASSERT_EQ(out->version(), b.r.version());
      ASSERT_EQ(out->segments(), b.segs) << "step " << step;
      ASSERT_TRUE(covers_keyspace(*out));
    }
  }
  for (const version& old : history) {
    ASSERT_TRUE(covers_keyspace(old.r));
    ASSERT_EQ(old.r.segments(), old.segs);
  }
}

INSTANTIATE_TEST_SUITE_P(seeds, rope_property, ::testing::Values(1, 2, 3, 20240611));

}  // namespace
}  // namespace ropekv::rope
