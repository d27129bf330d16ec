#include <gtest/gtest.h>

#include "cluster_fixture.hpp"
#include "ropekv/placement/split_merge.hpp"

namespace ropekv::placement {
namespace {

using test::ids;
using test::nid;

TEST(should_split, size_and_heat) {
  segment_stats s{10 << 20, 1000, 10, 10};
  EXPECT_EQ(should_split(s), split_reason::none);
  s.bytes = (64ull << 20) + 1;
  EXPECT_EQ(should_split(s), split_reason::too_large);
  s.bytes = 1 << 20;
  s.reads_per_s = 5000;
  EXPECT_EQ(should_split(s), split_reason::too_hot);
  s.items = 1;  // one item cannot be split, however hot
  EXPECT_EQ(should_split(s), split_reason::none);
  EXPECT_EQ(should_split({100 << 20, 10, 0, 0}, segment_limits{128ull << 20}), split_reason::none);
}

segment_state seg(uint64_t id, std::vector<node_id> replicas, uint64_t bytes) {
  segment_state s = test::make_segment(id, std::move(replicas));
  s.stats.bytes = bytes;
  return s;
}

TEST(merge_candidates, same_replicas_merge_without_moves) {
  auto nodes = test::racks({1, 1, 1});
  std::vector<segment_state> segs{seg(1, ids({1, 2, 3}), 1 << 20), seg(2, ids({2, 3, 1}), 2 << 20),
                                  seg(3, ids({1, 2, 3}), 1 << 20)};
  auto c = merge_candidates(segs, nodes);
  ASSERT_EQ(c.size(), 1u);  // pairs do not overlap: 1+2, then 3 alone
  EXPECT_EQ(c[0].left, segment_id{1});
  EXPECT_EQ(c[0].right, segment_id{2});
  EXPECT_EQ(c[0].bytes, 3u << 20);
  EXPECT_TRUE(c[0].moves.empty());
  EXPECT_EQ(c[0].replicas, ids({2, 3, 1}));  // the larger segment stays put
}

TEST(merge_candidates, different_replicas_co_locate_legally) {
  auto nodes = test::racks({2, 2, 2});  // r0: 1,2  r1: 3,4  r2: 5,6
  std::vector<segment_state> segs{seg(1, ids({1, 3, 5}), 1 << 20), seg(2, ids({2, 4, 5}), 4 << 20)};
  auto c = merge_candidates(segs, nodes);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].replicas, ids({2, 4, 5}));
  ASSERT_EQ(c[0].moves.size(), 2u);
  segment_state cur = segs[0];
  for (const auto& m : c[0].moves) {
    EXPECT_EQ(m.segment, segment_id{1});
    EXPECT_TRUE(approve_move(cur, m, nodes, {}, 2).ok());
    std::vector<segment_state> one{cur};
    test::apply(one, m);
    cur = one[0];
  }
  std::sort(cur.replicas.begin(), cur.replicas.end());
  EXPECT_EQ(cur.replicas, ids({2, 4, 5}));
}

TEST(merge_candidates, skips_large_hot_foreign_moving_and_unhealthy_pairs) {
  auto nodes = test::racks({1, 1, 1, 1});
  auto small = [&](uint64_t id) { return seg(id, ids({1, 2, 3}), 1 << 20); };
  std::vector<segment_state> large{small(1), seg(2, ids({1, 2, 3}), 20 << 20)};
  EXPECT_TRUE(merge_candidates(large, nodes).empty());
  std::vector<segment_state> hot{small(1), small(2)};
  hot[1].stats.writes_per_s = 2500;
  EXPECT_TRUE(merge_candidates(hot, nodes).empty());
  std::vector<segment_state> foreign{small(1), small(2)};
  foreign[1].table = table_id{2};
  EXPECT_TRUE(merge_candidates(foreign, nodes).empty());
  std::vector<segment_state> moving{small(1), small(2)};
  moving[0].moving = true;
  EXPECT_TRUE(merge_candidates(moving, nodes).empty());
  // Both sets have a dead replica: neither can host the merged segment.
  std::vector<segment_state> unhealthy{seg(1, ids({1, 2, 3}), 1), seg(2, ids({1, 2, 4}), 1)};
  nodes[0].alive = false;
  EXPECT_TRUE(merge_candidates(unhealthy, nodes).empty());
  // One healthy set is enough.
  unhealthy[1].replicas = ids({2, 3, 4});
  auto c = merge_candidates(unhealthy, nodes);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].replicas, ids({2, 3, 4}));
}

}  // namespace
}  // namespace ropekv::placement
