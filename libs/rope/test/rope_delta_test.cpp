// diff() and apply(): deltas between versions, snapshots, and the deltas
// apply() must refuse.
#include <gtest/gtest.h>

#include "rope_test_util.hpp"
#include "ropekv/rope/rope_delta.hpp"

namespace ropekv::rope {
namespace {

using testing::covers_keyspace;
using testing::make_segment;
using testing::numbered_key;
using testing::numbered_rope;

rope three_segments() {  // ["", "g") 1, ["g", "p") 2, ["p", +inf) 3
  return rope::from_segments({make_segment(1, "", "g", 10), make_segment(2, "g", "p", 20),
                              make_segment(3, "p", "", 30)})
      .value();
}

errc apply_error(const rope& base, const rope_delta& d) {
  auto out = apply(base, d);
  return out.ok() ? errc{} : out.error().code;
}

TEST(rope_delta, same_version_diffs_to_nothing) {
  rope r = three_segments();
  rope_delta d = diff(r, r);
  EXPECT_TRUE(d.removed.empty());
  EXPECT_TRUE(d.upserted.empty());
  // Equal content built separately: no pointers shared, still no change.
  EXPECT_TRUE(diff(r, three_segments()).upserted.empty());
}

TEST(rope_delta, split_diffs_to_one_removal_two_upserts) {
  rope r = three_segments();
  rope v = r.split(segment_id{2}, "k", segment_id{4}, segment_id{5}).value();
  rope_delta d = diff(r, v);
  EXPECT_EQ(d.from_version, r.version());
  EXPECT_EQ(d.to_version, v.version());
  EXPECT_EQ(d.removed, std::vector<segment_id>{segment_id{2}});
  ASSERT_EQ(d.upserted.size(), 2u);
  EXPECT_EQ(d.upserted[0].id, segment_id{4});
  EXPECT_EQ(d.upserted[1].id, segment_id{5});
  auto applied = apply(r, d);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->version(), v.version());
  EXPECT_EQ(applied->segments(), v.segments());
}

TEST(rope_delta, update_diffs_to_one_upsert) {
  rope r = three_segments();
  rope v = r.set_leader(segment_id{3}, node_id{2}).value();
  rope_delta d = diff(r, v);
  EXPECT_TRUE(d.removed.empty());
  ASSERT_EQ(d.upserted.size(), 1u);
  EXPECT_EQ(d.upserted[0], *v.find(segment_id{3}));
}

TEST(rope_delta, goes_backwards_too) {
  rope r = three_segments();
  rope v = r.merge(segment_id{1}, segment_id{2}, segment_id{4}).value();
  auto back = apply(v, diff(v, r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->segments(), r.segments());
  EXPECT_EQ(back->version(), r.version());
}

TEST(rope_delta, snapshot_from_the_empty_rope) {
  rope r = numbered_rope(1000);
  rope_delta full = diff(rope{}, r);
  EXPECT_EQ(full.from_version, 0u);
  EXPECT_EQ(full.upserted.size(), 1000u);
  auto copy = apply(rope{}, full);
  ASSERT_TRUE(copy.ok());
  EXPECT_TRUE(covers_keyspace(*copy));
  EXPECT_EQ(copy->segments(), r.segments());
  // A snapshot that does not cover the keyspace is refused like any delta.
  full.upserted.pop_back();
  EXPECT_EQ(apply_error(rope{}, full), errc::invalid_argument);
  EXPECT_EQ(apply_error(rope{}, rope_delta{}), errc::invalid_argument);
}

TEST(rope_delta, large_rope_small_delta) {
  rope r = numbered_rope(100000);
  const segment& s = r.at(54321);
  rope v = r.split(s.id, numbered_key(54321) + "x", segment_id{200001}, segment_id{200002}).value();
  v = v.set_stats(segment_id{7}, {1, 2, 3, 4}).value();
  rope_delta d = diff(r, v);
  EXPECT_EQ(d.removed.size(), 1u);
  EXPECT_EQ(d.upserted.size(), 3u);
  auto applied = apply(r, d);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->segments(), v.segments());
  EXPECT_LE(applied->nodes_created(), 200u);  // k log n, not n
}

TEST(rope_delta, refuses_wrong_base_version) {
  rope r = three_segments();
  rope v = r.split(segment_id{2}, "k", segment_id{4}, segment_id{5}).value();
  rope w = v.set_leader(segment_id{4}, node_id{3}).value();
  EXPECT_EQ(apply_error(v, diff(r, v)), errc::invalid_argument);  // already applied
  EXPECT_EQ(apply_error(r, diff(v, w)), errc::invalid_argument);  // skips one
}

TEST(rope_delta, refuses_deltas_that_break_the_cover) {
  rope r = three_segments();
  auto delta = [&](std::vector<uint64_t> removed, std::vector<segment> upserted) {
    rope_delta d{r.version(), r.version() + 1, {}, std::move(upserted)};
    for (uint64_t id : removed) d.removed.push_back(segment_id{id});
    return d;
  };
  // A hole where segment 2 was.
  EXPECT_EQ(apply_error(r, delta({2}, {})), errc::invalid_argument);
  // Unknown removal.
  EXPECT_EQ(apply_error(r, delta({9}, {})), errc::invalid_argument);
  // Overlap: a new segment reaching into segment 3.
  EXPECT_EQ(apply_error(r, delta({2}, {make_segment(4, "g", "q")})), errc::invalid_argument);
  // Too short: a gap before segment 3.
  EXPECT_EQ(apply_error(r, delta({2}, {make_segment(4, "g", "o")})), errc::invalid_argument);
  // Two segments at one start.
  EXPECT_EQ(apply_error(r, delta({}, {make_segment(4, "g", "p")})), errc::invalid_argument);
  // The same id twice.
  EXPECT_EQ(apply_error(r, delta({2}, {make_segment(4, "g", "k"), make_segment(4, "k", "p")})),
            errc::invalid_argument);
  // Dropping the first segment leaves "" uncovered.
  EXPECT_EQ(apply_error(r, delta({1}, {make_segment(4, "a", "g")})), errc::invalid_argument);
  // Cutting the last segment short leaves +inf uncovered.
  EXPECT_EQ(apply_error(r, delta({}, {make_segment(3, "p", "z")})), errc::invalid_argument);
  // Removing everything.
  EXPECT_EQ(apply_error(r, delta({1, 2, 3}, {})), errc::invalid_argument);
  // And a legal hand-made delta: segment 2 replaced in place, 3 split.
  auto ok = apply(r, delta({3}, {make_segment(2, "g", "p", 99), make_segment(5, "p", "x"),
                                 make_segment(6, "x", "")}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(covers_keyspace(*ok));
  EXPECT_EQ(ok->find(segment_id{2})->stats.bytes, 99u);
  EXPECT_EQ(ok->version(), r.version() + 1);
}

TEST(rope_delta, segment_moving_to_another_start) {
  // Not something the rope's own edits do, but a delta may: the id stays,
  // its keys change, and neighbours change with it.
  rope r = three_segments();
  rope_delta d{r.version(), r.version() + 1, {},
               {make_segment(1, "", "k"), make_segment(2, "k", "p")}};
  auto out = apply(r, d);
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE(covers_keyspace(*out));
  EXPECT_EQ(out->get_segment("h").id, segment_id{1});
  EXPECT_EQ(apply(r, diff(r, *out))->segments(), out->segments());
}

}  // namespace
}  // namespace ropekv::rope
