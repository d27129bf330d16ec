// TTL visibility and sweep; the change feed.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

class store_ttl_feed : public ::testing::Test {
 protected:
  void SetUp() override { s_ = open_store(dir_.file("s.db")); }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

TEST_F(store_ttl_feed, expired_items_are_invisible_at_once) {
  // Expires at 2 s; timestamps in microseconds.
  must_apply(*s_, make_put(1, "h", "ttl", "v", 1'000'000, {.expires_ms = 2000}));
  must_apply(*s_, make_put(1, "h", "keep", "v", 1'000'001));
  EXPECT_TRUE(s_->get(1, "h", "ttl", {.now_us = 1'999'999}).ok());
  EXPECT_EQ(s_->get(1, "h", "ttl", {.now_us = 2'000'000}).error().code, errc::not_found);
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.read.now_us = 2'500'000;
  auto p = s_->range(q);
  ASSERT_EQ(p->items.size(), 1u);
  EXPECT_EQ(p->items[0].range_key(), "keep");
  scan_query sq;
  sq.read.now_us = 2'500'000;
  EXPECT_EQ(s_->scan(sq)->items.size(), 1u);
  // Conditions treat an expired item as absent.
  auto r = must_apply(*s_, make_put(1, "h", "ttl", "new", 3'000'000, {.cond = pb::COND_IF_ABSENT}));
  EXPECT_EQ(r.error_code(), 0u);
  EXPECT_FALSE(r.had_previous());
  EXPECT_EQ(s_->partition(1, part("h"))->items, 2u);  // replaced, not added
}

TEST_F(store_ttl_feed, sweep_proposes_expires_and_feed_reports_them) {
  must_apply(*s_, make_put(1, "a", "", "v", 1'000'000, {.expires_ms = 1500}));
  must_apply(*s_, make_put(1, "b", "", "v", 1'000'001, {.expires_ms = 1600}));
  must_apply(*s_, make_put(1, "c", "", "v", 1'000'002, {.expires_ms = 9000}));
  must_apply(*s_, make_put(1, "d", "", "v", 1'000'003, {.expires_ms = 1700}));
  must_apply(*s_, make_put(1, "d", "", "v2", 1'000'004));  // no longer expires
  auto none = s_->sweep(1'400'000, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto ms = s_->sweep(2'000'000, 10);
  ASSERT_TRUE(ms.ok());
  ASSERT_EQ(ms->size(), 2u);
  EXPECT_EQ((*ms)[0].expire().hash_key(), "a");
  EXPECT_EQ((*ms)[1].expire().hash_key(), "b");
  EXPECT_EQ(s_->sweep(2'000'000, 1)->size(), 1u);
  auto before = s_->last_position();
  for (const auto& m : *ms) {
    auto r = must_apply(*s_, m);
    EXPECT_EQ(r.error_code(), 0u);
    EXPECT_TRUE(r.had_previous());
  }
  // A second application (stale sweep) fails its condition.
  EXPECT_EQ(must_apply(*s_, (*ms)[0]).error_code(), static_cast<uint32_t>(errc::condition_failed));
  EXPECT_TRUE(s_->sweep(2'000'000, 10)->empty());
  auto ev = s_->changes_since(before, 10);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 2u);
  EXPECT_EQ((*ev)[0].kind(), pb::CHANGE_EXPIRED);
  EXPECT_EQ((*ev)[0].item().hash_key(), "a");
  EXPECT_NE((*ev)[0].prev_version(), 0u);  // the expired version
  EXPECT_EQ(s_->partition(1, part("a"))->items, 0u);
  // A put that is already expired is found by the next sweep too.
  must_apply(*s_, make_put(1, "e", "", "v", 3'000'000, {.expires_ms = 1000}));
  auto late = s_->sweep(3'000'000, 10);
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].expire().hash_key(), "e");
}

TEST_F(store_ttl_feed, changes_since_in_order_with_paging) {
  auto p1 = must_apply(*s_, make_put(1, "h", "a", "1", 10));
  auto p2 = must_apply(*s_, make_put(1, "h", "b", "2", 20));
  auto d = must_apply(*s_, make_delete(1, "h", "a", 30));
  must_apply(*s_, make_put(1, "h", "a", "x", 40, {.cond = pb::COND_IF_EXISTS}));  // fails: no event
  auto rb = must_apply(*s_, make_rollback(1, part("h"), p2.version(), 50));
  auto p3 = must_apply(*s_, make_put(1, "h", "c", "3", 60));
  auto all = s_->changes_since(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  std::vector<uint64_t> pos;
  for (auto& e : *all) pos.push_back(e.position());
  EXPECT_EQ(pos, (std::vector<uint64_t>{p1.position(), p2.position(), d.position(), rb.position(), p3.position()}));
  EXPECT_EQ((*all)[0].kind(), pb::CHANGE_CREATE);
  EXPECT_EQ((*all)[0].prev_version(), 0u);
  EXPECT_EQ((*all)[0].item().value(), "1");
  EXPECT_EQ((*all)[0].version(), p1.version());
  EXPECT_EQ((*all)[2].kind(), pb::CHANGE_DELETE);
  EXPECT_EQ((*all)[2].prev_version(), p1.version());
  EXPECT_EQ((*all)[3].kind(), pb::CHANGE_ROLLBACK);
  EXPECT_EQ((*all)[3].rollback_to_version(), p2.version());
  EXPECT_EQ((*all)[3].partition(), part("h"));
  EXPECT_EQ((*all)[3].timestamp_us(), 50);
  auto page1 = s_->changes_since(0, 2);
  ASSERT_EQ(page1->size(), 2u);
  auto page2 = s_->changes_since(page1->back().position(), 2);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_EQ((*page2)[1].kind(), pb::CHANGE_ROLLBACK);
  EXPECT_EQ(s_->changes_since(p3.position(), 10)->size(), 0u);
  EXPECT_EQ(s_->last_position(), p3.position());
}

// Create vs update is decided at apply time from whether a visible version
// existed: a put over a deleted or expired item is a create again.
TEST_F(store_ttl_feed, puts_report_create_or_update_with_the_replaced_version) {
  auto c = must_apply(*s_, make_put(1, "k", "", "1", 10));
  auto u = must_apply(*s_, make_put(1, "k", "", "2", 20));
  must_apply(*s_, make_delete(1, "k", "", 30));
  auto again = must_apply(*s_, make_put(1, "k", "", "3", 40, {.expires_ms = 1}));
  auto after_expiry = must_apply(*s_, make_put(1, "k", "", "4", 5'000));  // first put expired at 1 ms
  auto ev = s_->changes_since(0, 10);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 5u);
  std::vector<pb::ChangeKind> kinds;
  for (auto& e : *ev) kinds.push_back(e.kind());
  EXPECT_EQ(kinds, (std::vector<pb::ChangeKind>{pb::CHANGE_CREATE, pb::CHANGE_UPDATE, pb::CHANGE_DELETE,
                                                pb::CHANGE_CREATE, pb::CHANGE_CREATE}));
  EXPECT_EQ((*ev)[1].prev_version(), c.version());
  EXPECT_EQ((*ev)[2].prev_version(), u.version());
  EXPECT_EQ((*ev)[3].version(), again.version());
  EXPECT_EQ((*ev)[4].version(), after_expiry.version());
  EXPECT_EQ((*ev)[4].prev_version(), 0u);
}

}  // namespace
}  // namespace ropekv::store::test
