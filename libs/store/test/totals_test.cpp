// segment_store::totals(): the sum of the partitions' aggregates, through
// overwrites, deletes, rollbacks and a split.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

TEST(store_totals, sums_every_partition_and_follows_changes) {
  temp_dir dir;
  auto s = open_store(dir.file("s.db"));
  auto empty = s->totals();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->items, 0u);
  EXPECT_EQ(empty->bytes, 0u);
  int64_t ts = 100;
  for (int i = 0; i < 20; ++i) must_apply(*s, make_put(1, "h" + std::to_string(i), "r", "value", ts++));
  must_apply(*s, make_put(2, "other", "", "v", ts++));
  auto t = s->totals();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->items, 21u);
  uint64_t expect_bytes = 0;
  for (int i = 0; i < 20; ++i) expect_bytes += ("h" + std::to_string(i)).size() + 1 + 5;
  expect_bytes += 5 + 1;
  EXPECT_EQ(t->bytes, expect_bytes);
  // An overwrite changes bytes, not items; a delete removes one item.
  must_apply(*s, make_put(1, "h0", "r", "longer value", ts++));
  must_apply(*s, make_delete(1, "h1", "r", ts++));
  t = s->totals();
  EXPECT_EQ(t->items, 20u);
  EXPECT_EQ(t->bytes, expect_bytes + 7 - (2 + 1 + 5));
  // The sum equals partition() over every partition written.
  uint64_t items = 0, bytes = 0;
  for (int i = 0; i < 20; ++i) {
    auto p = s->partition(1, part("h" + std::to_string(i)));
    items += p->items;
    bytes += p->bytes;
  }
  auto other = s->partition(2, part("other"));
  EXPECT_EQ(t->items, items + other->items);
  EXPECT_EQ(t->bytes, bytes + other->bytes);
}

TEST(store_totals, halves_of_a_split_add_up) {
  temp_dir dir;
  auto s = open_store(dir.file("s.db"));
  int64_t ts = 100;
  // One hash key with many range keys, split between range keys.
  for (int i = 0; i < 30; ++i) must_apply(*s, make_put(1, "hot", "rk" + std::to_string(100 + i), "x", ts++));
  auto whole = s->totals();
  ASSERT_TRUE(whole);
  std::string at = keys::encode(keys::make_key(1, "hot", "rk115"));
  auto halves = s->split(at, dir.file("l.db"), dir.file("r.db"));
  ASSERT_TRUE(halves) << halves.error().message;
  auto l = halves->left->totals();
  auto r = halves->right->totals();
  ASSERT_TRUE(l && r);
  EXPECT_EQ(l->items, 15u);
  EXPECT_EQ(r->items, 15u);
  EXPECT_EQ(l->items + r->items, whole->items);
  EXPECT_EQ(l->bytes + r->bytes, whole->bytes);
}

}  // namespace
}  // namespace ropekv::store::test
