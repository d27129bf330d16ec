// Compaction: voided rows and history older than retention go; visible
// state, aggregates and rollback within retention stay right.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

constexpr int64_t retention = 1'000'000;  // 1 s of versions

class store_compact : public ::testing::Test {
 protected:
  void SetUp() override {
    store_options o;
    o.retention_us = retention;
    s_ = open_store(dir_.file("s.db"), o);
  }
  size_t rows() { return std::stoul(raw_sql(s_->path(), "SELECT count(*) FROM kv_items")); }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

TEST_F(store_compact, drops_voided_rows_but_not_visible_state) {
  must_apply(*s_, make_put(1, "h", "a", "1", 10'000'000));
  auto v = must_apply(*s_, make_put(1, "h", "b", "1", 10'000'001)).version();
  must_apply(*s_, make_put(1, "h", "a", "2", 10'000'002));
  must_apply(*s_, make_put(1, "h", "c", "2", 10'000'003));
  must_apply(*s_, make_rollback(1, part("h"), v, 10'000'004));
  auto info = *s_->partition(1, part("h"));
  ASSERT_EQ(rows(), 4u);
  auto dropped = s_->compact(10'000'005);  // horizon far below: only voids go
  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_EQ(*dropped, 2u);
  EXPECT_EQ(rows(), 2u);
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "1");
  auto after = *s_->partition(1, part("h"));
  EXPECT_EQ(after.items, info.items);
  EXPECT_EQ(after.bytes, info.bytes);
  EXPECT_EQ(after.max_issued_version, info.max_issued_version);
  // Versions still rise above the dropped ones after a reopen.
  auto path = s_->path();
  s_.reset();
  store_options o;
  o.retention_us = retention;
  s_ = open_store(path, o);
  EXPECT_EQ(must_apply(*s_, make_put(1, "h", "d", "x", 1)).version(), 10'000'004u);
}

TEST_F(store_compact, drops_history_older_than_retention) {
  // a: put, put (superseded); b: put, delete (tombstone); c: put only.
  must_apply(*s_, make_put(1, "h", "a", "1", 1'000'000));
  must_apply(*s_, make_put(1, "h", "b", "1", 1'000'001));
  must_apply(*s_, make_put(1, "h", "c", "1", 1'000'002));
  must_apply(*s_, make_put(1, "h", "a", "2", 1'000'003));
  auto del = must_apply(*s_, make_delete(1, "h", "b", 1'000'004));
  auto first = s_->last_position();
  // Written after the horizon: kept with its history.
  must_apply(*s_, make_put(1, "h", "c", "2", 5'000'000));
  auto info = *s_->partition(1, part("h"));
  auto dropped = s_->compact(3'000'000);  // horizon = 2'000'000
  ASSERT_TRUE(dropped.ok()) << dropped.error().message;
  EXPECT_EQ(*dropped, 3u);  // a@1, b@1, b's tombstone
  EXPECT_EQ(rows(), 3u);    // a@2, c@1, c@2
  EXPECT_EQ(s_->get(1, "h", "a", {})->value(), "2");
  EXPECT_EQ(s_->get(1, "h", "b", {}).error().code, errc::not_found);
  EXPECT_EQ(s_->get(1, "h", "c", {.as_of = 2'000'000})->value(), "1");
  EXPECT_EQ(s_->get(1, "h", "c", {.as_of = 1'999'999}).error().code, errc::version_gone);
  auto after = *s_->partition(1, part("h"));
  EXPECT_EQ(after.items, info.items);
  EXPECT_EQ(after.bytes, info.bytes);
  // Rollback to the horizon restores the aggregates there, not stale ones.
  auto rb = must_apply(*s_, make_rollback(1, part("h"), 2'000'000, 6'000'000));
  EXPECT_EQ(rb.error_code(), 0u);
  auto rolled = *s_->partition(1, part("h"));
  auto recount = *s_->recount_partition(1, part("h"));
  EXPECT_EQ(rolled.items, 2u);
  EXPECT_EQ(rolled.items, recount.items);
  EXPECT_EQ(rolled.bytes, recount.bytes);
  EXPECT_EQ(rolled.head_version, del.version());
  EXPECT_EQ(must_apply(*s_, make_rollback(1, part("h"), 1'000'000, 6'000'001)).error_code(),
            static_cast<uint32_t>(errc::version_gone));
  // The feed lost events below the compacted positions.
  EXPECT_EQ(s_->changes_since(0, 10).error().code, errc::version_gone);
  EXPECT_TRUE(s_->changes_since(first, 10).ok());
}

TEST_F(store_compact, repeated_compaction_only_examines_new_rows) {
  for (int i = 0; i < 50; ++i) must_apply(*s_, make_put(1, "h", "k", std::to_string(i), 1'000'000 + i));
  EXPECT_EQ(*s_->compact(2'500'000), 49u);
  EXPECT_EQ(*s_->compact(2'500'000), 0u);
  for (int i = 0; i < 10; ++i) must_apply(*s_, make_put(1, "h", "k", "n" + std::to_string(i), 3'000'000 + i));
  EXPECT_EQ(*s_->compact(4'500'000), 10u);
  EXPECT_EQ(s_->get(1, "h", "k", {})->value(), "n9");
  EXPECT_EQ(s_->partition(1, part("h"))->items, 1u);
}

}  // namespace
}  // namespace ropekv::store::test
