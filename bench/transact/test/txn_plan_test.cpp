#include "txn_plan.hpp"

#include <gtest/gtest.h>

#include <set>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::bench::transact {
namespace {

// Table 7 cut into four segments at partitions 0x4000, 0x8000, 0xC000 (how
// a table created with {"segments":4} is laid out), listed out of order.
segment_map four_segments() {
  const uint32_t t = 7;
  return segment_map(t, {{12, keys::partition_prefix(t, 0x8000), keys::partition_prefix(t, 0xC000)},
                         {10, keys::table_prefix(t), keys::partition_prefix(t, 0x4000)},
                         {13, keys::partition_prefix(t, 0xC000), keys::prefix_end(keys::table_prefix(t))},
                         {11, keys::partition_prefix(t, 0x4000), keys::partition_prefix(t, 0x8000)}});
}

TEST(txn_plan, hex_decode_takes_both_cases_and_refuses_the_rest) {
  EXPECT_EQ(hex_decode("00ff7Fa0"), std::string("\x00\xff\x7f\xa0", 4));
  EXPECT_EQ(hex_decode(""), std::string());
  EXPECT_FALSE(hex_decode("abc"));
  EXPECT_FALSE(hex_decode("zz"));
}

TEST(txn_plan, a_key_lands_on_the_segment_of_its_partition) {
  auto map = four_segments();
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map.check(), "");
  EXPECT_EQ(map.segments()[0].id, 10u);  // sorted by start
  for (int i = 0; i < 2000; ++i) {
    std::string k = "key-" + std::to_string(i);
    EXPECT_EQ(map.segment_of(k), keys::partition_of(k) >> 14) << k;
  }
}

TEST(txn_plan, keys_outside_every_segment_and_gaps_are_reported) {
  const uint32_t t = 7;
  segment_map half(t, {{1, keys::table_prefix(t), keys::partition_prefix(t, 0x8000)}});
  int outside = 0;
  for (int i = 0; i < 200; ++i) outside += half.segment_of("k" + std::to_string(i)) == -1;
  EXPECT_GT(outside, 50);
  EXPECT_LT(outside, 150);
  segment_map gap(t, {{1, keys::table_prefix(t), keys::partition_prefix(t, 0x4000)},
                      {2, keys::partition_prefix(t, 0x8000), ""}});
  EXPECT_NE(gap.check(), "");
  EXPECT_NE(segment_map(t, {}).check(), "");
}

TEST(txn_plan, fresh_keys_land_where_asked_and_never_repeat) {
  auto map = four_segments();
  key_source src(map, "p0-", 0, 1);
  std::set<std::string> seen;
  for (int i = 0; i < 400; ++i) {
    size_t seg = static_cast<size_t>(i % 4);
    std::string k = src.key_in(seg);
    ASSERT_FALSE(k.empty());
    EXPECT_EQ(map.segment_of(k), static_cast<int>(seg));
    EXPECT_TRUE(k.starts_with("p0-"));
    EXPECT_TRUE(seen.insert(k).second) << k;
  }
  // About four candidates per key with four equal segments.
  EXPECT_GT(src.tried(), 400u);
  EXPECT_LT(src.tried(), 4000u);
}

TEST(txn_plan, random_keys_come_from_the_key_space_of_that_segment) {
  auto map = four_segments();
  key_source src(map, "", 100, 42);
  for (int i = 0; i < 200; ++i) {
    size_t seg = static_cast<size_t>(i % 4);
    std::string k = src.key_in(seg);
    ASSERT_TRUE(k.starts_with("k"));
    EXPECT_LT(std::stoul(k.substr(1)), 100u);
    EXPECT_EQ(map.segment_of(k), static_cast<int>(seg));
  }
}

TEST(txn_plan, segments_for_are_distinct_and_rotate) {
  EXPECT_EQ(segments_for(0, 1, 4), (std::vector<size_t>{0}));
  EXPECT_EQ(segments_for(5, 2, 4), (std::vector<size_t>{1, 2}));
  EXPECT_EQ(segments_for(3, 4, 4), (std::vector<size_t>{3, 0, 1, 2}));
  EXPECT_EQ(segments_for(3, 4, 2).size(), 2u);  // never more than there are
  EXPECT_TRUE(segments_for(3, 2, 0).empty());
}

TEST(txn_plan, bodies) {
  EXPECT_EQ(item_body(256).size(), 256u);
  EXPECT_EQ(item_body(8), R"({"v":""})");
  EXPECT_EQ(txn_body("t", {"a", "b"}, R"({"v":"x"})"),
            R"({"ops":[{"put":{"table":"t","hash_key":"a","item":{"v":"x"}}},)"
            R"({"put":{"table":"t","hash_key":"b","item":{"v":"x"}}}]})");
  EXPECT_EQ(txn_body("t", {"a"}, "{}", "r1"), R"({"request_id":"r1","ops":[{"put":{"table":"t","hash_key":"a","item":{}}}]})");
}

TEST(txn_plan, a_committed_answer_gives_one_version_per_op) {
  auto c = check_txn_answer(
      200, R"({"version":40,"deduplicated":false,"ops":[{"op":"put","table":"t","version":40},{"op":"put","table":"t","version":41}]})",
      2, "t");
  ASSERT_TRUE(c.answer) << c.problem;
  EXPECT_EQ(c.answer->version, 40u);
  EXPECT_EQ(c.answer->op_versions, (std::vector<uint64_t>{40, 41}));
}

TEST(txn_plan, an_op_without_a_version_takes_the_transactions_and_is_counted) {
  auto c = check_txn_answer(
      200, R"({"version":40,"deduplicated":false,"ops":[{"op":"put","table":"t"},{"op":"put","table":"t","version":41}]})",
      2, "t");
  ASSERT_TRUE(c.answer) << c.problem;
  EXPECT_EQ(c.answer->op_versions, (std::vector<uint64_t>{40, 41}));
  EXPECT_EQ(c.answer->ops_without_version, 1u);
}

TEST(txn_plan, wrong_answers_are_problems) {
  const char* ok_one = R"({"version":4,"deduplicated":false,"ops":[{"op":"put","table":"t","version":4}]})";
  EXPECT_TRUE(check_txn_answer(200, ok_one, 1, "t").answer);
  EXPECT_FALSE(check_txn_answer(200, ok_one, 2, "t").answer);   // an op missing
  EXPECT_FALSE(check_txn_answer(200, ok_one, 1, "u").answer);   // another table
  auto canceled = check_txn_answer(409, R"({"error":{"code":"transaction_canceled"}})", 1, "t");
  EXPECT_FALSE(canceled.answer);
  EXPECT_NE(canceled.problem.find("HTTP 409"), std::string::npos);
  EXPECT_NE(canceled.problem.find("transaction_canceled"), std::string::npos);
  EXPECT_FALSE(check_txn_answer(200, "not json", 1, "t").answer);
  EXPECT_FALSE(check_txn_answer(200, R"({"version":4,"deduplicated":true,"ops":[{"op":"put","table":"t","version":4}]})", 1, "t").answer);
  EXPECT_FALSE(check_txn_answer(200, R"({"version":4,"deduplicated":false,"ops":[{"op":"put","table":"t","version":3}]})", 1, "t").answer);
  EXPECT_FALSE(check_txn_answer(200, R"({"version":4,"deduplicated":false,"ops":[{"op":"get","table":"t"}]})", 1, "t").answer);
}

TEST(txn_plan, versions_of_put_and_get_answers) {
  EXPECT_EQ(put_version(201, R"({"version":9,"created":true})"), 9u);
  EXPECT_EQ(put_version(200, R"({"version":9,"created":false})"), 9u);
  EXPECT_FALSE(put_version(503, R"({"version":9})"));
  EXPECT_FALSE(put_version(200, R"({"created":true})"));
  EXPECT_EQ(item_version(200, R"({"hash_key":"a","version":9,"item":{"v":"x"}})"), 9u);
  EXPECT_FALSE(item_version(404, R"({"error":{"code":"not_found"}})"));
  EXPECT_FALSE(item_version(200, R"({"version":9})"));
}

}  // namespace
}  // namespace ropekv::bench::transact
