#include "rope_layout.hpp"

#include <gtest/gtest.h>

#include "ropekv/keys/key_codec.hpp"

namespace ropekv::placement_service {
namespace {

struct ids {
  uint64_t next = 100;
  id_source source() {
    return [this]() -> result<segment_id> { return segment_id{next++}; };
  }
};

rope::segment owned(uint64_t id, std::string start, std::string end) {
  rope::segment s;
  s.id = segment_id{id};
  s.start = std::move(start);
  s.end = std::move(end);
  s.epoch = 1;
  s.replicas = {node_id{1}};
  s.leader_hint = node_id{1};
  return s;
}

rope::rope empty_rope() {
  rope::segment all;
  all.id = segment_id{1};
  return rope::rope::initial(all);
}

// Two segments splitting the table's range at partition 0x8000.
std::vector<rope::segment> two_halves(uint32_t table, uint64_t first_id) {
  auto range = table_range(table);
  std::string mid = keys::partition_prefix(table, 0x8000);
  return {owned(first_id, range.begin, mid), owned(first_id + 1, mid, range.end)};
}

TEST(rope_layout, table_range_is_the_table_prefix_up_to_the_next_table) {
  EXPECT_EQ(table_range(7).begin, keys::table_prefix(7));
  EXPECT_EQ(table_range(7).end, keys::table_prefix(8));
  EXPECT_EQ(table_range(UINT32_MAX).end, "");
}

TEST(rope_layout, carving_a_table_leaves_gaps_on_both_sides) {
  ids gen;
  rope::rope r = empty_rope();
  auto d = carve_table(r, 5, two_halves(5, 10), gen.source());
  ASSERT_TRUE(d) << d.error().message;
  auto next = next_version(r, *d);
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->version(), 2u);
  ASSERT_EQ(next->size(), 4u);  // gap, two halves, gap
  EXPECT_TRUE(is_gap(next->at(0)));
  EXPECT_TRUE(is_gap(next->at(3)));
  auto segs = table_segments(*next, 5);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].id, segment_id{10});
  EXPECT_EQ(table_of(segs[1]), 5u);
  EXPECT_TRUE(table_segments(*next, 4).empty());
}

TEST(rope_layout, carving_a_taken_range_is_refused) {
  ids gen;
  rope::rope r = empty_rope();
  auto once = next_version(r, *carve_table(r, 5, two_halves(5, 10), gen.source()));
  ASSERT_TRUE(once);
  auto again = carve_table(*once, 5, two_halves(5, 20), gen.source());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, errc::internal);
}

TEST(rope_layout, clearing_tables_merges_the_gaps_back) {
  ids gen;
  rope::rope r = empty_rope();
  r = *next_version(r, *carve_table(r, 5, two_halves(5, 10), gen.source()));
  r = *next_version(r, *carve_table(r, 6, two_halves(6, 20), gen.source()));
  ASSERT_EQ(r.size(), 6u);  // gap, 5, 5, 6, 6, gap: tables 5 and 6 are adjacent
  r = *next_version(r, *clear_table(r, 5, gen.source()));
  ASSERT_EQ(r.size(), 4u);  // gap, 6, 6, gap
  EXPECT_EQ(table_segments(r, 6).size(), 2u);
  r = *next_version(r, *clear_table(r, 6, gen.source()));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(is_gap(r.at(0)));
  auto none = clear_table(r, 6, gen.source());
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->removed.empty() && none->upserted.empty());
}

}  // namespace
}  // namespace ropekv::placement_service
