// routing_snapshot updates and request planning on the test layout.
#include <gtest/gtest.h>

#include "request_planner.hpp"
#include "route_table.hpp"
#include "test_layout.hpp"

namespace ropekv::router {
namespace {

using namespace test;

std::shared_ptr<const routing_snapshot> layout_snapshot() {
  route_table table;
  auto r = table.apply(full_update(make_rope(layout_segments()), {items_schema(), kv_schema()},
                                   {{1, "127.0.0.1:1"}, {2, "127.0.0.1:2"}}));
  EXPECT_TRUE(r.ok() && *r == update_outcome::applied);
  return table.load();
}

TEST(routing_snapshot, full_delta_gap_stale_and_tables_only) {
  route_table table;
  EXPECT_FALSE(table.load()->ready());
  rope::rope v1 = make_rope(layout_segments(), 1);
  ASSERT_EQ(*table.apply(full_update(v1, {items_schema()})), update_outcome::applied);
  EXPECT_TRUE(table.load()->ready());
  EXPECT_EQ(table.load()->version(), 1u);
  ASSERT_NE(table.load()->table("items"), nullptr);
  EXPECT_EQ(table.load()->table("kvs"), nullptr);

  // A delta from 1 to 2 (leader moves on segment 13).
  rope::rope v2 = std::move(v1.set_leader(segment_id{13}, node_id{3}).value());
  auto v3 = std::move(v2.set_stats(segment_id{13}, {1, 1, 0, 0}).value());
  pb::RopeUpdate d12;
  *d12.mutable_delta() = rope::to_proto(rope::diff(v1, v2));
  *d12.add_tables() = items_schema();
  *d12.add_tables() = kv_schema();
  auto keep = table.load();  // readers keep their version
  ASSERT_EQ(*table.apply(d12), update_outcome::applied);
  EXPECT_EQ(table.load()->version(), 2u);
  EXPECT_NE(table.load()->table("kvs"), nullptr);
  EXPECT_EQ(keep->version(), 1u);

  // The same delta again: stale. A delta from 2 to 3 skipped: 3->4 is a gap.
  EXPECT_EQ(*table.apply(d12), update_outcome::stale);
  pb::RopeUpdate d34;
  d34.mutable_delta()->set_from_version(3);
  d34.mutable_delta()->set_to_version(4);
  EXPECT_EQ(*table.apply(d34), update_outcome::gap);

  // Tables-only update (from == to == current) drops "kvs".
  pb::RopeUpdate same;
  same.mutable_delta()->set_from_version(2);
  same.mutable_delta()->set_to_version(2);
  *same.add_tables() = items_schema();
  ASSERT_EQ(*table.apply(same), update_outcome::applied);
  EXPECT_EQ(table.load()->table("kvs"), nullptr);
  EXPECT_EQ(table.load()->version(), 2u);

  // A full rope always wins, even numbered below (placement started over).
  ASSERT_EQ(*table.apply(full_update(make_rope(layout_segments(), 1), {})), update_outcome::applied);
  EXPECT_EQ(table.load()->version(), 1u);
  (void)v3;
}

TEST(routing_snapshot, rejects_a_delta_that_breaks_the_rope) {
  route_table table;
  ASSERT_TRUE(table.apply(full_update(make_rope(layout_segments()), {})).ok());
  pb::RopeUpdate bad;
  bad.mutable_delta()->set_from_version(1);
  bad.mutable_delta()->set_to_version(2);
  bad.mutable_delta()->add_removed_segments(12);  // leaves a hole
  EXPECT_FALSE(table.apply(bad).ok());
  EXPECT_EQ(table.load()->version(), 1u);
}

TEST(request_planner, tables) {
  routing_snapshot empty;
  EXPECT_EQ(find_table(empty, "items").error().status, 503u);
  auto snap = layout_snapshot();
  EXPECT_EQ(find_table(*snap, "nope").error().status, 404u);
  EXPECT_EQ((*find_table(*snap, "items"))->id(), items_id);
  EXPECT_EQ(snap->address_of(node_id{2}), "127.0.0.1:2");
  EXPECT_EQ(snap->address_of(node_id{7}), "");
}

TEST(request_planner, point_keys_and_the_split_hash_key) {
  auto snap = layout_snapshot();
  auto below = target_for_key(*snap, item_key(items_id, hot, "a"));
  auto above = target_for_key(*snap, item_key(items_id, hot, "z"));
  auto at = target_for_key(*snap, item_key(items_id, hot, "m"));
  ASSERT_TRUE(below.ok() && above.ok() && at.ok());
  EXPECT_EQ(below->segment.value, 11u);
  EXPECT_EQ(above->segment.value, 12u);
  EXPECT_EQ(at->segment.value, 12u);
  EXPECT_EQ(below->preferred(), node_id{1});
  EXPECT_EQ(below->routing().segment_id(), 11u);
  EXPECT_EQ(below->routing().epoch(), 1u);
  EXPECT_EQ(below->routing().rope_version(), 1u);
  EXPECT_EQ(target_for_key(*snap, item_key(kv_id, "x", ""))->segment.value, 14u);
  // Keys of no table route to gaps: unavailable (the rope is behind).
  EXPECT_EQ(target_for_key(*snap, item_key(9, "x", "")).error().status, 503u);

  std::string hkp = hash_key_prefix(items_id, hot);
  auto covering = targets_for_range(*snap, hkp, keys::prefix_end(hkp));
  ASSERT_TRUE(covering.ok());
  ASSERT_EQ(covering->size(), 2u);
  EXPECT_EQ((*covering)[0].segment.value, 11u);
  EXPECT_EQ((*covering)[1].segment.value, 12u);
  std::string other = hash_key_prefix(items_id, "cold");
  EXPECT_EQ(targets_for_range(*snap, other, keys::prefix_end(other))->size(), 1u);

  // Reverse walks: the segment holding the greatest key below a bound.
  EXPECT_EQ(target_below(*snap, split_key())->segment.value, 11u);
  EXPECT_EQ(target_below(*snap, split_key() + "x")->segment.value, 12u);
  EXPECT_EQ(target_below(*snap, keys::table_prefix(2))->segment.value, 13u);
}

TEST(request_planner, replica_choice) {
  segment_target t;
  t.replicas = {node_id{4}, node_id{5}, node_id{6}};
  EXPECT_EQ(t.preferred(), node_id{4});
  t.leader_hint = node_id{6};
  EXPECT_EQ(t.preferred(), node_id{6});
  t.leader_hint = node_id{9};  // not a replica: ignored
  EXPECT_EQ(t.preferred(), node_id{4});
  EXPECT_EQ(first_replica(t, false, 1), node_id{4});
  EXPECT_EQ(first_replica(t, true, 1), node_id{5});
  EXPECT_EQ(first_replica(t, true, 5), node_id{6});
  auto snap = layout_snapshot();
  EXPECT_TRUE(same_segment(*snap, segment_id{12}, 1));
  EXPECT_FALSE(same_segment(*snap, segment_id{12}, 2));
  EXPECT_FALSE(same_segment(*snap, segment_id{999}, 1));
}

}  // namespace
}  // namespace ropekv::router
