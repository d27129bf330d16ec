#include <gtest/gtest.h>

#include <random>

#include "cluster_fixture.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/placement/layout.hpp"

namespace ropekv::placement {
namespace {

// Segments are contiguous, ordered, start and end at the table's bounds,
// and every partition prefix lands in exactly the segment that claims it.
void expect_covers_table(const table_layout& layout, uint32_t table) {
  const auto& segs = layout.segments;
  ASSERT_FALSE(segs.empty());
  EXPECT_EQ(segs.front().start, keys::table_prefix(table));
  EXPECT_EQ(segs.front().first_partition, 0u);
  EXPECT_EQ(segs.back().end_partition, keys::partitions_per_table);
  EXPECT_EQ(segs.back().end, table == UINT32_MAX ? std::string() : keys::table_prefix(table + 1));
  for (size_t i = 0; i + 1 < segs.size(); ++i) {
    EXPECT_EQ(segs[i].end, segs[i + 1].start);
    EXPECT_EQ(segs[i].end_partition, segs[i + 1].first_partition);
    EXPECT_LT(segs[i].start, segs[i].end);
  }
  size_t s = 0;
  for (uint32_t p = 0; p < keys::partitions_per_table; ++p) {
    while (p >= segs[s].end_partition) ++s;
    std::string key = keys::encode({table, static_cast<uint16_t>(p), "hk", "rk"});
    EXPECT_LE(segs[s].start, key);
    if (!segs[s].end.empty()) {
      EXPECT_LT(key, segs[s].end);
    }
    if (s > 0) {
      EXPECT_LE(segs[s - 1].end, key);
    }
  }
}

TEST(initial_layout, three_racks_of_three_spread_evenly) {
  auto nodes = test::racks({3, 3, 3});
  auto r = initial_layout(table_id{7}, nodes, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segments.size(), 36u);  // default: 4 per node
  EXPECT_FALSE(r->under_protected);
  expect_covers_table(*r, 7);
  auto segs = test::to_segments(*r, 3);
  test::expect_legal(segs, nodes, {});
  for (auto [id, n] : test::per_node(segs, nodes)) EXPECT_EQ(n, 12) << "node " << id;
  for (auto [id, n] : test::per_node(segs, nodes, true)) EXPECT_EQ(n, 4) << "node " << id;
}

TEST(initial_layout, partitions_divide_evenly_with_remainder_first) {
  auto nodes = test::racks({1, 1, 1});
  auto r = initial_layout(table_id{1}, nodes, 1, 7);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->segments.size(), 7u);
  // 65536 = 7 * 9362 + 2
  EXPECT_EQ(r->segments[0].end_partition - r->segments[0].first_partition, 9363u);
  EXPECT_EQ(r->segments[2].end_partition - r->segments[2].first_partition, 9362u);
  expect_covers_table(*r, 1);
}

TEST(initial_layout, even_spread_over_many_topologies) {
  std::mt19937_64 rng(1234);
  for (int round = 0; round < 60; ++round) {
    int racks = std::uniform_int_distribution<int>(3, 6)(rng);
    int per = std::uniform_int_distribution<int>(1, 3)(rng);
    uint32_t replication = racks >= 5 && rng() % 2 ? 5 : 3;
    auto nodes = test::racks(std::vector<int>(racks, per));
    uint32_t count = std::uniform_int_distribution<uint32_t>(1, 50)(rng);
    auto r = initial_layout(table_id{3}, nodes, replication, count);
    ASSERT_TRUE(r.ok());
    auto segs = test::to_segments(*r, replication);
    test::expect_legal(segs, nodes, {});
    EXPECT_LE(test::spread(test::per_node(segs, nodes)), 1)
        << racks << "x" << per << " r=" << replication << " n=" << count;
    EXPECT_LE(test::spread(test::per_node(segs, nodes, true)), 1)
        << racks << "x" << per << " r=" << replication << " n=" << count;
  }
}

TEST(initial_layout, racks_of_different_sizes) {
  // r0 has two nodes, so it must hold a replica of every segment.
  auto nodes = test::racks({2, 1, 1, 1, 1});
  auto r = initial_layout(table_id{3}, nodes, 3, 24);
  ASSERT_TRUE(r.ok());
  auto segs = test::to_segments(*r, 3);
  test::expect_legal(segs, nodes, {});
  EXPECT_LE(test::spread(test::per_node(segs, nodes)), 1);
  EXPECT_LE(test::spread(test::per_node(segs, nodes, true)), 1);
}

TEST(initial_layout, capacity_weights_the_share) {
  auto nodes = test::racks({1, 1, 1, 1});
  for (auto& n : nodes) n.capacity_bytes = 1000;
  nodes[0].capacity_bytes = 2000;
  auto r = initial_layout(table_id{3}, nodes, 1, 50);
  ASSERT_TRUE(r.ok());
  auto counts = test::per_node(test::to_segments(*r, 1), nodes);
  EXPECT_EQ(counts[1], 20);
  EXPECT_EQ(counts[2], 10);
  EXPECT_EQ(counts[4], 10);
}

TEST(initial_layout, existing_load_only_breaks_ties) {
  auto nodes = test::racks({1, 1, 1, 1});
  nodes[0].load.replicas = 1000;  // other tables: the balancer's business
  nodes[0].load.bytes = 1000;
  auto r = initial_layout(table_id{3}, nodes, 1, 3);
  ASSERT_TRUE(r.ok());
  auto counts = test::per_node(test::to_segments(*r, 1), nodes);
  EXPECT_EQ(counts[1], 0);  // the tie for three segments goes to emptier nodes
  EXPECT_EQ(counts[2] + counts[3] + counts[4], 3);
}

TEST(initial_layout, two_racks_are_under_protected) {
  auto nodes = test::racks({2, 2});
  auto r = initial_layout(table_id{3}, nodes, 3, 8);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->under_protected);
  EXPECT_FALSE(r->reason.empty());
  for (const auto& s : r->segments) {
    EXPECT_EQ(s.replicas.size(), 2u);
    EXPECT_TRUE(s.under_protected);
  }
}

TEST(initial_layout, last_table_and_single_segment) {
  auto nodes = test::racks({1});
  auto r = initial_layout(table_id{UINT32_MAX}, nodes, 1, 1);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->segments.size(), 1u);
  EXPECT_EQ(r->segments[0].end, "");
  expect_covers_table(*r, UINT32_MAX);
  auto all = initial_layout(table_id{5}, nodes, 1, keys::partitions_per_table);
  ASSERT_TRUE(all.ok());
  expect_covers_table(*all, 5);
}

TEST(initial_layout, errors) {
  auto nodes = test::racks({1, 1, 1});
  EXPECT_EQ(initial_layout(table_id{1ull << 32}, nodes, 3).error().code, errc::invalid_argument);
  EXPECT_EQ(initial_layout(table_id{1}, nodes, 4).error().code, errc::invalid_argument);
  EXPECT_EQ(initial_layout(table_id{1}, nodes, 3, 65537).error().code, errc::invalid_argument);
  for (auto& n : nodes) n.alive = false;
  EXPECT_EQ(initial_layout(table_id{1}, nodes, 3).error().code, errc::unavailable);
}

TEST(initial_layout, default_segment_count) {
  auto nodes = test::racks({2, 2});
  EXPECT_EQ(default_segments_count(nodes), 16u);
  nodes[0].alive = false;
  EXPECT_EQ(default_segments_count(nodes), 12u);
  EXPECT_EQ(default_segments_count({}), 1u);
}

}  // namespace
}  // namespace ropekv::placement
