// Range queries within a hash key (by range key and by rk2) and scans in
// rope order, with paging.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

std::vector<std::string> range_keys(const page& p) {
  std::vector<std::string> out;
  for (const auto& it : p.items) out.push_back(it.range_key());
  return out;
}

// Follows cursors to the end; returns all range keys.
std::vector<std::string> all_pages(segment_store& s, range_query q, size_t* pages = nullptr) {
  std::vector<std::string> out;
  size_t n = 0;
  for (;;) {
    auto p = s.range(q);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    if (!p) break;
    ++n;
    for (auto& k : range_keys(*p)) out.push_back(k);
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  if (pages) *pages = n;
  return out;
}

class store_range_scan : public ::testing::Test {
 protected:
  void SetUp() override {
    s_ = open_store(dir_.file("s.db"));
    int64_t ts = 1000;
    for (int i = 0; i < 30; ++i) {
      char rk[8];
      std::snprintf(rk, sizeof rk, "r%02d", i);
      must_apply(*s_, make_put(1, "h", rk, "v", ts++, {.rk2 = std::string(1, static_cast<char>('z' - i % 10))}));
    }
    must_apply(*s_, make_put(1, "other", "r05", "v", ts++));
    must_apply(*s_, make_delete(1, "h", "r03", ts++));
    must_apply(*s_, make_put(1, "h", "r04", "v2", ts++, {.rk2 = std::string("a")}));
  }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

TEST_F(store_range_scan, by_range_key_bounds_and_reverse) {
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.from = "r02";
  q.to = "r07";
  auto p = s_->range(q);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(range_keys(*p), (std::vector<std::string>{"r02", "r04", "r05", "r06"}));
  EXPECT_TRUE(p->next_cursor.empty());
  EXPECT_EQ(p->items[1].value(), "v2");
  q.reverse = true;
  p = s_->range(q);
  EXPECT_EQ(range_keys(*p), (std::vector<std::string>{"r06", "r05", "r04", "r02"}));
  q.from.reset();
  q.to.reset();
  EXPECT_EQ(all_pages(*s_, q).size(), 29u);
}

TEST_F(store_range_scan, paging_with_cursor_forward_and_reverse) {
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.limit = 7;
  size_t pages = 0;
  auto fwd = all_pages(*s_, q, &pages);
  ASSERT_EQ(fwd.size(), 29u);
  EXPECT_EQ(pages, 5u);
  EXPECT_TRUE(std::is_sorted(fwd.begin(), fwd.end()));
  q.reverse = true;
  auto rev = all_pages(*s_, q);
  std::reverse(rev.begin(), rev.end());
  EXPECT_EQ(rev, fwd);
}

TEST_F(store_range_scan, as_of_range_sees_old_state) {
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.read.as_of = 1005;  // r00..r05 existed, r03 not deleted yet
  auto p = s_->range(q);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(range_keys(*p), (std::vector<std::string>{"r00", "r01", "r02", "r03", "r04", "r05"}));
  EXPECT_EQ(p->items[4].value(), "v");
}

TEST_F(store_range_scan, by_rk2_orders_by_index_key_and_sees_only_current_versions) {
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.by_rk2 = true;
  q.limit = 5;
  std::vector<std::pair<std::string, std::string>> got;
  for (;;) {
    auto p = s_->range(q);
    ASSERT_TRUE(p.ok()) << p.error().message;
    for (auto& it : p->items) got.emplace_back(it.rk2(), it.range_key());
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  ASSERT_EQ(got.size(), 29u);
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_EQ(got.front(), (std::pair<std::string, std::string>{"a", "r04"}));  // moved from 'v'
  for (auto& [rk2, rk] : got) EXPECT_NE(rk, "r03");  // deleted
  // Bounds on rk2.
  range_query b;
  b.table = 1;
  b.hash_key = "h";
  b.by_rk2 = true;
  b.from = "y";
  b.to = "z";
  auto p = s_->range(b);
  EXPECT_EQ(range_keys(*p), (std::vector<std::string>{"r01", "r11", "r21"}));
  b.reverse = true;
  p = s_->range(b);
  EXPECT_EQ(range_keys(*p), (std::vector<std::string>{"r21", "r11", "r01"}));
}

TEST_F(store_range_scan, scan_in_rope_order_with_paging_and_bounds) {
  must_apply(*s_, make_put(2, "t2", "x", "v", 5000));
  must_apply(*s_, make_put(0, "t0", "x", "v", 5001));
  scan_query q;
  q.limit = 4;
  std::vector<std::string> keys_seen;
  for (;;) {
    auto p = s_->scan(q);
    ASSERT_TRUE(p.ok());
    for (auto& it : p->items) {
      keys_seen.push_back(keys::encode(keys::make_key(it.table_id(), it.hash_key(), it.range_key())));
    }
    if (p->next_cursor.empty()) break;
    q.cursor = p->next_cursor;
  }
  EXPECT_EQ(keys_seen.size(), 32u);
  EXPECT_TRUE(std::is_sorted(keys_seen.begin(), keys_seen.end()));
  // Only table 1.
  scan_query t1;
  t1.start = keys::table_prefix(1);
  t1.end = keys::prefix_end(t1.start);
  t1.limit = 1000;
  auto p = s_->scan(t1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->items.size(), 30u);
  for (auto& it : p->items) EXPECT_EQ(it.table_id(), 1u);
}

TEST_F(store_range_scan, bad_cursor_is_invalid_argument) {
  range_query q;
  q.table = 1;
  q.hash_key = "h";
  q.cursor = "garbage";
  EXPECT_EQ(s_->range(q).error().code, errc::invalid_argument);
  scan_query sq;
  sq.cursor = "Ixx";
  EXPECT_EQ(s_->scan(sq).error().code, errc::invalid_argument);
  // A cursor of another hash key.
  range_query other;
  other.table = 1;
  other.hash_key = "h";
  other.limit = 1;
  auto p = s_->range(other);
  other.hash_key = "other";
  other.cursor = p->next_cursor;
  EXPECT_EQ(s_->range(other).error().code, errc::invalid_argument);
}

TEST_F(store_range_scan, many_tombstones_give_short_pages_not_long_calls) {
  std::vector<pb::Mutation> dels;
  for (int i = 0; i < 6000; ++i) dels.push_back(make_put(3, "big", std::to_string(100000 + i), "v", 10000 + i));
  for (int i = 0; i < 6000; ++i) dels.push_back(make_delete(3, "big", std::to_string(100000 + i), 30000 + i));
  std::vector<indexed_mutation> batch;
  for (auto& m : dels) batch.push_back({&m, 0});
  ASSERT_TRUE(s_->apply_batch(batch).ok());
  must_apply(*s_, make_put(3, "big", "999999", "last", 50000));
  range_query q;
  q.table = 3;
  q.hash_key = "big";
  q.limit = 10;
  auto p = s_->range(q);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->items.empty());
  EXPECT_FALSE(p->next_cursor.empty());
  EXPECT_EQ(all_pages(*s_, q), (std::vector<std::string>{"999999"}));
}

}  // namespace
}  // namespace ropekv::store::test
