// Unit tests of single rope operations: lookups, edits, their errors,
// aggregates, size queries and the per-edit allocation bound.
#include <gtest/gtest.h>

#include <cmath>

#include "rope_test_util.hpp"

namespace ropekv::rope {
namespace {

using testing::covers_keyspace;
using testing::make_segment;
using testing::numbered_key;
using testing::numbered_rope;

rope three_segments() {  // ["", "g") 1, ["g", "p") 2, ["p", +inf) 3
  auto r = rope::from_segments({make_segment(3, "p", "", 30), make_segment(1, "", "g", 10),
                                make_segment(2, "g", "p", 20)},
                               7);
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

TEST(rope, empty_rope_is_version_zero) {
  rope r;
  EXPECT_EQ(r.version(), 0u);
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.find(segment_id{1}), nullptr);
  EXPECT_TRUE(r.segments().empty());
  EXPECT_EQ(r.total(), segment_stats{});
}

TEST(rope, initial_covers_everything) {
  rope r = rope::initial(make_segment(5, "ignored", "also ignored"));
  EXPECT_EQ(r.version(), 1u);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(covers_keyspace(r));
  for (std::string key : {std::string(), std::string("a"), std::string("\xff\xff", 2)}) {
    EXPECT_EQ(r.get_segment(key).id, segment_id{5});
  }
}

TEST(rope, from_segments_sorts_and_looks_up) {
  rope r = three_segments();
  EXPECT_EQ(r.version(), 7u);
  EXPECT_TRUE(covers_keyspace(r));
  EXPECT_EQ(r.get_segment("").id, segment_id{1});
  EXPECT_EQ(r.get_segment("f\xff").id, segment_id{1});
  EXPECT_EQ(r.get_segment("g").id, segment_id{2});
  EXPECT_EQ(r.get_segment("zzz").id, segment_id{3});
  EXPECT_EQ(r.rank_of("h"), 1u);
  EXPECT_EQ(r.at(2).id, segment_id{3});
  EXPECT_EQ(r.find(segment_id{2})->start, "g");
  EXPECT_EQ(r.find(segment_id{9}), nullptr);
}

TEST(rope, from_segments_rejects_broken_covers) {
  auto fails = [](std::vector<segment> segs) {
    auto r = rope::from_segments(std::move(segs));
    return !r.ok() && r.error().code == errc::invalid_argument;
  };
  EXPECT_TRUE(fails({}));
  EXPECT_TRUE(fails({make_segment(1, "a", "")}));                               // not from ""
  EXPECT_TRUE(fails({make_segment(1, "", "m")}));                               // not to +inf
  EXPECT_TRUE(fails({make_segment(1, "", "g"), make_segment(2, "h", "")}));     // gap
  EXPECT_TRUE(fails({make_segment(1, "", "h"), make_segment(2, "g", "")}));     // overlap
  EXPECT_TRUE(fails({make_segment(1, "", "g"), make_segment(1, "g", "")}));     // same id
  EXPECT_TRUE(fails({make_segment(1, "", ""), make_segment(2, "", "")}));       // same start
  EXPECT_TRUE(fails({make_segment(1, "", "g"), make_segment(2, "g", "g"),
                     make_segment(3, "g", "")}));                               // empty segment
}

TEST(rope, split_makes_two_halves_and_keeps_the_old_version) {
  rope r = three_segments();
  segment before = *r.find(segment_id{2});
  before.stats = {21, 5, 3.0, 1.0};
  rope v = r.set_stats(segment_id{2}, before.stats).value();
  auto split = v.split(segment_id{2}, "k", segment_id{4}, segment_id{5});
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->version(), v.version() + 1);
  EXPECT_TRUE(covers_keyspace(*split));

  const segment& left = split->get_segment("g");
  const segment& right = split->get_segment("k");
  EXPECT_EQ(left.id, segment_id{4});
  EXPECT_EQ(left.start, "g");
  EXPECT_EQ(left.end, "k");
  EXPECT_EQ(right.id, segment_id{5});
  EXPECT_EQ(right.start, "k");
  EXPECT_EQ(right.end, "p");
  EXPECT_EQ(left.epoch, before.epoch + 1);
  EXPECT_EQ(right.epoch, before.epoch + 1);
  EXPECT_EQ(left.replicas, before.replicas);
  EXPECT_EQ(right.leader_hint, before.leader_hint);
  // Unmeasured: halves, the left taking the odd unit; they add up.
  EXPECT_EQ(left.stats, (segment_stats{11, 3, 1.5, 0.5}));
  EXPECT_EQ(right.stats, (segment_stats{10, 2, 1.5, 0.5}));
  EXPECT_EQ(left.stats + right.stats, before.stats);
  EXPECT_EQ(split->find(segment_id{2}), nullptr);

  // The old version still routes "k" to segment 2.
  EXPECT_EQ(v.get_segment("k"), before);
  EXPECT_EQ(v.size(), 3u);
}

TEST(rope, split_takes_measured_stats) {
  rope r = three_segments();
  split_stats measured{{1, 1, 0, 0}, {19, 9, 4, 2}};
  auto split = r.split(segment_id{3}, "x", segment_id{8}, segment_id{9}, measured);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->find(segment_id{8})->stats, measured.left);
  EXPECT_EQ(split->find(segment_id{9})->stats, measured.right);
  EXPECT_EQ(split->find(segment_id{9})->end, "");
}

TEST(rope, split_rejects_keys_not_strictly_inside) {
  rope r = three_segments();
  auto code = [&](segment_id id, std::string_view key, uint64_t l = 8, uint64_t rr = 9) {
    auto out = r.split(id, key, segment_id{l}, segment_id{rr});
    return out.ok() ? errc{} : out.error().code;
  };
  EXPECT_EQ(code(segment_id{2}, "g"), errc::invalid_argument);   // at start
  EXPECT_EQ(code(segment_id{2}, "p"), errc::invalid_argument);   // at end
  EXPECT_EQ(code(segment_id{2}, "a"), errc::invalid_argument);   // before
  EXPECT_EQ(code(segment_id{2}, "q"), errc::invalid_argument);   // after
  EXPECT_EQ(code(segment_id{1}, ""), errc::invalid_argument);    // the very first key
  EXPECT_EQ(code(segment_id{2}, "h", 8, 8), errc::invalid_argument);  // same new ids
  EXPECT_EQ(code(segment_id{2}, "h", 1, 9), errc::invalid_argument);  // id in use
  EXPECT_EQ(code(segment_id{2}, "h", 2, 9), errc::invalid_argument);  // its own id
  EXPECT_EQ(code(segment_id{42}, "h"), errc::not_found);
  EXPECT_EQ(code(segment_id{2}, "h"), errc{});
}

TEST(rope, keys_compare_as_unsigned_bytes) {
  rope r = rope::initial(make_segment(1, "", ""));
  rope v = r.split(segment_id{1}, "\x80", segment_id{2}, segment_id{3}).value();
  EXPECT_EQ(v.get_segment("\x7f").id, segment_id{2});
  EXPECT_EQ(v.get_segment("\x80").id, segment_id{3});
  EXPECT_EQ(v.get_segment("\xff").id, segment_id{3});
  // A prefix sorts first: "a" < "a\0" < "a\x01".
  rope w = v.split(segment_id{2}, std::string("a\0", 2), segment_id{4}, segment_id{5}).value();
  EXPECT_EQ(w.get_segment("a").id, segment_id{4});
  EXPECT_EQ(w.get_segment(std::string("a\0", 2)).id, segment_id{5});
  EXPECT_TRUE(covers_keyspace(w));
}

TEST(rope, merge_joins_neighbours) {
  rope r = three_segments();
  rope v = r.set_replicas(segment_id{3}, {node_id{7}, node_id{8}}).value();
  auto merged = v.merge(segment_id{2}, segment_id{3}, segment_id{10});
  ASSERT_TRUE(merged.ok());
  EXPECT_TRUE(covers_keyspace(*merged));
  ASSERT_EQ(merged->size(), 2u);
  const segment& m = *merged->find(segment_id{10});
  EXPECT_EQ(m.start, "g");
  EXPECT_EQ(m.end, "");
  EXPECT_EQ(m.epoch, 3u);  // segment 3 was at epoch 2 after set_replicas
  EXPECT_EQ(m.stats.bytes, 50u);
  EXPECT_EQ(m.replicas, v.find(segment_id{2})->replicas);  // left wins
  EXPECT_EQ(merged->find(segment_id{2}), nullptr);
  EXPECT_EQ(merged->find(segment_id{3}), nullptr);
  EXPECT_EQ(v.size(), 3u);
}

TEST(rope, merge_rejects_what_is_not_adjacent) {
  rope r = three_segments();
  auto code = [&](uint64_t l, uint64_t rr, uint64_t m) {
    auto out = r.merge(segment_id{l}, segment_id{rr}, segment_id{m});
    return out.ok() ? errc{} : out.error().code;
  };
  EXPECT_EQ(code(1, 3, 10), errc::invalid_argument);  // not neighbours
  EXPECT_EQ(code(2, 1, 10), errc::invalid_argument);  // wrong order
  EXPECT_EQ(code(2, 2, 10), errc::invalid_argument);  // itself
  EXPECT_EQ(code(1, 2, 1), errc::invalid_argument);   // new id in use
  EXPECT_EQ(code(1, 42, 10), errc::not_found);
  EXPECT_EQ(code(42, 1, 10), errc::not_found);
  EXPECT_EQ(code(1, 2, 10), errc{});
}

TEST(rope, epoch_moves_with_membership_only) {
  rope r = three_segments();
  const segment& s = *r.find(segment_id{2});
  rope a = r.set_replicas(segment_id{2}, {node_id{3}, node_id{2}, node_id{1}}).value();
  EXPECT_EQ(a.find(segment_id{2})->epoch, s.epoch);  // same set, new order
  rope b = a.set_replicas(segment_id{2}, {node_id{2}, node_id{4}}).value();
  EXPECT_EQ(b.find(segment_id{2})->epoch, s.epoch + 1);
  EXPECT_EQ(b.find(segment_id{2})->leader_hint, node_id{});  // node 1 left
  rope c = b.set_leader(segment_id{2}, node_id{4}).value();
  EXPECT_EQ(c.find(segment_id{2})->leader_hint, node_id{4});
  EXPECT_EQ(c.find(segment_id{2})->epoch, s.epoch + 1);
  rope d = c.set_stats(segment_id{2}, {5, 1, 2.5, 0}).value();
  EXPECT_EQ(d.find(segment_id{2})->epoch, s.epoch + 1);
  EXPECT_EQ(d.total().bytes, 10u + 5u + 30u);
  EXPECT_EQ(d.version(), r.version() + 4);
  EXPECT_EQ(r.set_stats(segment_id{42}, {}).error().code, errc::not_found);
  EXPECT_EQ(r.set_leader(segment_id{42}, node_id{1}).error().code, errc::not_found);
  EXPECT_EQ(r.set_replicas(segment_id{42}, {}).error().code, errc::not_found);
}

TEST(rope, aggregates_over_key_and_rank_ranges) {
  rope r = three_segments();  // bytes 10 | 20 | 30 at "" | "g" | "p"
  EXPECT_EQ(r.aggregate("", "").bytes, 60u);
  EXPECT_EQ(r.aggregate("a", "b").bytes, 10u);
  EXPECT_EQ(r.aggregate("a", "g").bytes, 10u);   // [a, g) does not reach "g"
  EXPECT_EQ(r.aggregate("a", std::string("g\0", 2)).bytes, 30u);
  EXPECT_EQ(r.aggregate("g", "").bytes, 50u);
  EXPECT_EQ(r.aggregate("h", "q").bytes, 50u);
  EXPECT_EQ(r.aggregate("q", "h").bytes, 0u);     // reversed: empty
  EXPECT_EQ(r.aggregate("h", "h").bytes, 0u);
  EXPECT_EQ(r.aggregate_ranks(1, 3).bytes, 50u);
  EXPECT_EQ(r.aggregate_ranks(1, 99).bytes, 50u);
  EXPECT_EQ(r.aggregate_ranks(2, 1).bytes, 0u);
  EXPECT_EQ(r.total().items, 1u + 2u + 3u);
}

TEST(rope, oversized_and_undersized) {
  std::vector<segment> segs;
  std::vector<uint64_t> bytes = {5, 1, 90, 2, 3, 70, 4};
  for (size_t i = 0; i < bytes.size(); ++i) {
    segs.push_back(make_segment(i + 1, i ? numbered_key(i) : "",
                                i + 1 < bytes.size() ? numbered_key(i + 1) : "", bytes[i]));
  }
  rope r = rope::from_segments(segs).value();
  auto big = r.oversized(50);
  ASSERT_EQ(big.size(), 2u);
  EXPECT_EQ(big[0].id, segment_id{3});
  EXPECT_EQ(big[1].id, segment_id{6});
  EXPECT_TRUE(r.oversized(90).empty());
  auto pairs = r.undersized_pairs(6);  // 5,1 | 2,3 (4 has no small neighbour)
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].first.id, segment_id{1});
  EXPECT_EQ(pairs[0].second.id, segment_id{2});
  EXPECT_EQ(pairs[1].first.id, segment_id{4});
  EXPECT_EQ(pairs[1].second.id, segment_id{5});
  EXPECT_EQ(r.undersized_pairs(100).size(), 6u);
  EXPECT_TRUE(r.undersized_pairs(1).empty());
}

// Structural sharing: an edit of a 100 000-segment rope allocates a
// logarithmic number of nodes (tree path + rotations, trie paths, records).
TEST(rope, one_edit_allocates_log_n_nodes) {
  constexpr size_t n = 100000;
  rope r = numbered_rope(n);
  EXPECT_GE(r.nodes_created(), n);  // building is O(n), for contrast
  const uint64_t bound = 4 * static_cast<uint64_t>(std::log2(n)) + 8;
  uint64_t next_id = n + 1;
  for (size_t pos : {size_t{0}, size_t{1}, n / 3, n / 2, n - 2, n - 1}) {
    const segment& s = r.at(pos);
    std::string at = numbered_key(pos) + "\x01";  // just after its start
    auto split = r.split(s.id, at, segment_id{next_id}, segment_id{next_id + 1});
    ASSERT_TRUE(split.ok()) << pos;
    EXPECT_LE(split->nodes_created(), bound) << "split at " << pos;
    auto merged = split->merge(segment_id{next_id}, segment_id{next_id + 1},
                               segment_id{next_id + 2});
    ASSERT_TRUE(merged.ok());
    EXPECT_LE(merged->nodes_created(), bound) << "merge at " << pos;
    auto stats = merged->set_stats(segment_id{next_id + 2}, {1, 1, 1, 1});
    ASSERT_TRUE(stats.ok());
    EXPECT_LE(stats->nodes_created(), bound) << "set_stats at " << pos;
    next_id += 3;
  }
}

// Splitting always the last (or first) segment is the sorted-insert pattern
// that turns an unbalanced tree into a list; the per-edit cost must stay
// logarithmic all the way.
TEST(rope, stays_balanced_under_one_sided_splits) {
  for (bool at_end : {true, false}) {
    rope r = rope::initial(make_segment(1, "", ""));
    uint64_t next_id = 2;
    for (uint64_t i = 1; i <= 4000; ++i) {
      const segment& s = at_end ? r.at(r.size() - 1) : r.at(0);
      // At the end: keys ascend; at the front: each key sorts before the last.
      std::string at = at_end ? numbered_key(i) : numbered_key(~uint64_t{0} - i);
      auto split = r.split(s.id, at, segment_id{next_id}, segment_id{next_id + 1});
      ASSERT_TRUE(split.ok()) << i;
      ASSERT_LE(split->nodes_created(), 4 * std::log2(r.size()) + 8) << i;
      r = std::move(split).value();
      next_id += 2;
    }
    EXPECT_TRUE(covers_keyspace(r));
  }
}

}  // namespace
}  // namespace ropekv::rope
