// O(1) partition rollback: void markers, restored aggregates, rising
// versions, constant cost.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

class store_rollback : public ::testing::Test {
 protected:
  void SetUp() override { s_ = open_store(dir_.file("s.db")); }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

TEST_F(store_rollback, voided_versions_are_invisible_and_aggregates_restored) {
  auto a1 = must_apply(*s_, make_put(1, "h", "a", "a1", 100));
  auto b1 = must_apply(*s_, make_put(1, "h", "b", "b1", 200));
  must_apply(*s_, make_put(1, "h", "a", "a2-longer", 300));
  must_apply(*s_, make_delete(1, "h", "b", 400));
  must_apply(*s_, make_put(1, "h", "c", "c1", 500));
  must_apply(*s_, make_put(1, "other", "x", "untouched", 600));
  auto rb = must_apply(*s_, make_rollback(1, part("h"), b1.version(), 700));
  EXPECT_EQ(rb.error_code(), 0u);
  EXPECT_EQ(rb.version(), b1.version());  // new head
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "a1");
  EXPECT_EQ(s_->get(1, "h", "b", {})->value(), "b1");
  EXPECT_EQ(s_->get(1, "h", "c", {}).error().code, errc::not_found);
  EXPECT_EQ(s_->get(1, "other", "x", {})->value(), "untouched");
  // as_of a voided version shows the non-void state at that point.
  EXPECT_EQ(s_->get(1, "h", "a", {.as_of = 450})->value(), "a1");
  auto info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 2u);
  EXPECT_EQ(info->bytes, (1 + 1 + 2) * 2u);
  EXPECT_EQ(info->head_version, b1.version());
  EXPECT_EQ(info->max_issued_version, 500u);
  EXPECT_EQ(info->void_ranges, 1u);
  auto recount = s_->recount_partition(1, part("h"));
  EXPECT_EQ(recount->items, info->items);
  EXPECT_EQ(recount->bytes, info->bytes);
  // Next versions stay above every version issued, even with an old clock.
  auto next = must_apply(*s_, make_put(1, "h", "d", "d1", 150));
  EXPECT_EQ(next.version(), 501u);
  EXPECT_EQ(s_->partition(1, part("h"))->items, 3u);
  // Range queries skip voided versions too.
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  auto p = s_->range(q);
  ASSERT_EQ(p->items.size(), 3u);
  EXPECT_EQ(p->items[0].value(), "a1");
  // Survives reopen (voids and max_issued come back from the file).
  auto path = s_->path();
  s_.reset();
  s_ = open_store(path);
  info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 3u);
  EXPECT_EQ(info->max_issued_version, 501u);
  EXPECT_EQ(s_->get(1, "h", "c", {}).error().code, errc::not_found);
  EXPECT_EQ(must_apply(*s_, make_put(1, "h", "e", "e", 1)).version(), 502u);
  (void)a1;
}

TEST_F(store_rollback, nested_rollbacks_and_rollback_to_zero) {
  auto v1 = must_apply(*s_, make_put(1, "h", "a", "1", 1000)).version();
  auto v2 = must_apply(*s_, make_put(1, "h", "a", "2", 2000)).version();
  must_apply(*s_, make_put(1, "h", "a", "3", 3000));
  must_apply(*s_, make_rollback(1, part("h"), v2, 3500));
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "2");
  must_apply(*s_, make_put(1, "h", "a", "4", 4000));
  must_apply(*s_, make_rollback(1, part("h"), v1, 4500));
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "1");
  // Rolling back into an already void range: the state as of v1 still.
  must_apply(*s_, make_rollback(1, part("h"), 3000, 4600));
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "1");
  must_apply(*s_, make_rollback(1, part("h"), 0, 5000));
  EXPECT_EQ(s_->get(1, "h", "a", {}).error().code, errc::not_found);
  auto info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 0u);
  EXPECT_EQ(info->bytes, 0u);
  EXPECT_EQ(info->head_version, 0u);
  EXPECT_EQ(info->void_ranges, 1u);  // merged
  auto r = must_apply(*s_, make_put(1, "h", "a", "5", 10));
  EXPECT_EQ(r.version(), 4001u);
  EXPECT_FALSE(r.had_previous());
}

// Builds a partition holding `n` versions (one hash key, many range keys).
void fill(segment_store& s, const std::string& hk, int n) {
  std::vector<pb::Mutation> ms;
  for (int i = 0; i < n; ++i) ms.push_back(make_put(1, hk, std::to_string(i % (n / 2 + 1)), "value", 1000 + i));
  std::vector<indexed_mutation> batch;
  for (auto& m : ms) batch.push_back({&m, 0});
  ASSERT_TRUE(s.apply_batch(batch).ok());
}

TEST_F(store_rollback, cost_is_one_row_whatever_the_data) {
  temp_dir dir;
  auto small = open_store(dir.file("small.db"));
  auto large = open_store(dir.file("large.db"));
  fill(*small, "p", 10);
  fill(*large, "p", 20000);
  for (auto* s : {small.get(), large.get()}) {
    auto info = s->partition(1, part("p"));
    auto before = s->total_changes();
    auto r = s->apply(make_rollback(1, part("p"), info->head_version / 2 + 500, 99'000'000));
    ASSERT_TRUE(r.ok());
    // The void marker only: no data row is read in bulk, written or deleted.
    EXPECT_EQ(s->total_changes() - before, 1);
    auto after = s->partition(1, part("p"));
    auto recount = s->recount_partition(1, part("p"));
    EXPECT_EQ(after->items, recount->items);
    EXPECT_EQ(after->bytes, recount->bytes);
    EXPECT_EQ(after->head_version, recount->head_version);
  }
}

TEST_F(store_rollback, bad_partition_is_invalid_argument) {
  auto r = must_apply(*s_, make_rollback(1, 0, 0, 1));
  EXPECT_EQ(r.error_code(), 0u);
  pb::Mutation m = make_rollback(1, 0, 0, 1);
  m.mutable_rollback()->set_partition(70000);
  EXPECT_EQ(must_apply(*s_, m).error_code(), static_cast<uint32_t>(errc::invalid_argument));
}

}  // namespace
}  // namespace ropekv::store::test
