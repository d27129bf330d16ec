// items_walk against real segment stores, one per segment of the test
// layout, served directly (no actors): scans across segments, range and
// local-index queries over a hash key split across two segments, cursors.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "items_walk.hpp"
#include "route_table.hpp"
#include "store_segment.hpp"
#include "ropekv/test_support/temp_dir.hpp"
#include "test_layout.hpp"

namespace ropekv::router {
namespace {

using namespace test;
using test_support::temp_dir;

// Segment stores for a layout, plus the snapshot routing to them.
class fake_cluster {
 public:
  explicit fake_cluster(std::vector<rope::segment> segments) {
    for (const auto& s : segments) {
      if (s.replicas.empty()) continue;
      stores_[s.id.value] = store_segment::open(
          dir_.file("seg-" + std::to_string(s.id.value) + ".db"),
          store::segment_meta{s.id.value, s.start, s.end, s.epoch});
    }
    auto r = table_.apply(full_update(make_rope(std::move(segments)), {items_schema(), kv_schema()}));
    EXPECT_TRUE(r.ok());
  }

  void put(uint32_t table, const std::string& hk, const std::string& rk, std::optional<std::string> rk2 = {}) {
    auto t = target_for_key(*snapshot(), item_key(table, hk, rk));
    ASSERT_TRUE(t.ok());
    pb::WriteRequest req;
    *req.mutable_routing() = t->routing();
    pb::Item* item = req.mutable_mutation()->mutable_put()->mutable_item();
    item->set_table_id(table);
    item->set_hash_key(hk);
    item->set_range_key(rk);
    item->set_value(R"({"v":1})");
    if (rk2) {
      item->set_rk2(*rk2);
      item->set_has_rk2(true);
    }
    auto reply = stores_.at(t->segment.value)->write(req);
    ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
  }

  std::shared_ptr<const routing_snapshot> snapshot() const { return table_.load(); }

  pb::ItemsReply serve(const walk_call& call) {
    auto& store = *stores_.at(call.target.segment.value);
    ++calls_;
    if (auto* r = std::get_if<pb::RangeRequest>(&call.request)) return store.range(*r);
    return store.scan(std::get<pb::ScanRequest>(call.request));
  }

  // One page: items and cursor.
  std::pair<std::vector<pb::Item>, std::optional<std::string>> page(
      const walk_spec& spec, const std::optional<std::string>& cursor) {
    auto walk = start_walk(spec, cursor);
    EXPECT_TRUE(walk.ok()) << walk.error().message;
    if (!walk.ok()) return {};
    for (;;) {
      auto calls = (*walk)->next_calls(*snapshot());
      EXPECT_TRUE(calls.ok());
      if (!calls.ok() || calls->empty()) break;
      for (auto& c : *calls) {
        auto reply = serve(c);
        EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
        (*walk)->on_reply(c.stream, std::move(reply));
      }
    }
    auto next = (*walk)->next_cursor();
    return {(*walk)->take_items(), next};
  }

  // Every page until no cursor; `pages` counts them.
  std::vector<pb::Item> all(const walk_spec& spec, size_t* pages = nullptr) {
    std::vector<pb::Item> out;
    std::optional<std::string> cursor;
    size_t n = 0;
    do {
      auto [items, next] = page(spec, cursor);
      EXPECT_LE(items.size(), spec.limit);
      for (auto& i : items) out.push_back(std::move(i));
      cursor = next;
      if (++n > 500) {
        ADD_FAILURE() << "paging does not end";
        break;
      }
    } while (cursor);
    if (pages) *pages = n;
    return out;
  }

  size_t calls() const { return calls_; }

 private:
  temp_dir dir_;
  std::map<uint64_t, std::unique_ptr<store_segment>> stores_;
  route_table table_;
  size_t calls_ = 0;
};

std::vector<std::string> range_keys(const std::vector<pb::Item>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.range_key());
  return out;
}

std::vector<std::string> letters(char from, char to) {
  std::vector<std::string> out;
  for (char c = from; c <= to; ++c) out.emplace_back(1, c);
  return out;
}

walk_spec range_spec(uint32_t limit) {
  walk_spec s;
  s.kind = walk_kind::range;
  s.table = items_id;
  s.hash_key = hot;
  s.limit = limit;
  return s;
}

TEST(items_walk, scan_crosses_segments_in_rope_order) {
  fake_cluster c(layout_segments());
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) {
    std::string hk = "user" + std::to_string(i);
    c.put(items_id, hk, "r");
    expected.push_back(item_key(items_id, hk, "r"));
    c.put(kv_id, hk, "");  // another table: never in the scan
  }
  for (const auto& rk : letters('a', 'z')) {
    c.put(items_id, hot, rk);
    expected.push_back(item_key(items_id, hot, rk));
  }
  std::sort(expected.begin(), expected.end());
  walk_spec spec;
  spec.kind = walk_kind::scan;
  spec.table = items_id;
  spec.limit = 7;
  size_t pages = 0;
  auto items = c.all(spec, &pages);
  std::vector<std::string> got;
  for (const auto& i : items) got.push_back(item_key(i.table_id(), i.hash_key(), i.range_key()));
  EXPECT_EQ(got, expected);
  EXPECT_GE(pages, expected.size() / 7);
}

TEST(items_walk, range_over_a_split_hash_key_forward_and_reverse) {
  fake_cluster c(layout_segments());
  for (const auto& rk : letters('a', 'z')) c.put(items_id, hot, rk);
  c.put(items_id, "other", "a");
  EXPECT_EQ(range_keys(c.all(range_spec(5))), letters('a', 'z'));
  auto rev = range_spec(4);
  rev.reverse = true;
  auto down = letters('a', 'z');
  std::reverse(down.begin(), down.end());
  EXPECT_EQ(range_keys(c.all(rev)), down);
  // Bounds: from inclusive, to exclusive, across the split at "m".
  auto bounded = range_spec(3);
  bounded.from = "c";
  bounded.to = "q";
  EXPECT_EQ(range_keys(c.all(bounded)), letters('c', 'p'));
  bounded.reverse = true;
  auto bdown = letters('c', 'p');
  std::reverse(bdown.begin(), bdown.end());
  EXPECT_EQ(range_keys(c.all(bounded)), bdown);
  // One page that holds everything has no cursor.
  auto [items, cursor] = c.page(range_spec(100), std::nullopt);
  EXPECT_EQ(items.size(), 26u);
  EXPECT_FALSE(cursor);
}

TEST(items_walk, local_index_merges_the_segments_of_a_split_hash_key) {
  fake_cluster c(layout_segments());
  // rk2 order differs from range-key order, and ties are broken by rk.
  std::vector<std::pair<std::string, std::string>> expected;
  for (const auto& rk : letters('a', 'z')) {
    std::string rank = std::string(1, static_cast<char>('z' - (rk[0] - 'a') / 2));
    c.put(items_id, hot, rk, rank);
    expected.emplace_back(rank, rk);
  }
  c.put(items_id, hot, "zz");  // no rank: not in the index
  std::sort(expected.begin(), expected.end());
  auto spec = range_spec(4);
  spec.kind = walk_kind::index;
  auto items = c.all(spec);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& i : items) got.emplace_back(i.rk2(), i.range_key());
  EXPECT_EQ(got, expected);

  spec.reverse = true;
  std::reverse(expected.begin(), expected.end());
  got.clear();
  for (const auto& i : c.all(spec)) got.emplace_back(i.rk2(), i.range_key());
  EXPECT_EQ(got, expected);

  auto bounded = range_spec(3);
  bounded.kind = walk_kind::index;
  bounded.from = "s";
  bounded.to = "v";
  got.clear();
  for (const auto& i : c.all(bounded)) got.emplace_back(i.rk2(), i.range_key());
  std::vector<std::pair<std::string, std::string>> want;
  for (auto& e : expected)
    if (e.first >= "s" && e.first < "v") want.push_back(e);
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(items_walk, pages_make_progress_with_a_tiny_call_budget) {
  fake_cluster c(layout_segments());
  for (int i = 0; i < 10; ++i) c.put(items_id, "u" + std::to_string(i), "r");
  walk_spec spec;
  spec.kind = walk_kind::scan;
  spec.table = items_id;
  spec.limit = 100;
  spec.max_calls = 1;  // one segment per page: some pages are empty, none is lost
  size_t pages = 0;
  EXPECT_EQ(c.all(spec, &pages).size(), 10u);
  EXPECT_GE(pages, 3u);
}

TEST(items_walk, cursors_survive_a_new_segment_layout) {
  // Page 1 on the split layout, the rest after A and B merged into one.
  auto merged = layout_segments();
  merged[1] = make_segment(15, keys::table_prefix(1), mid_key(), {1}, 2);
  merged.erase(merged.begin() + 2);
  fake_cluster before(layout_segments()), after(merged);
  for (const auto& rk : letters('a', 'z')) {
    before.put(items_id, hot, rk);
    after.put(items_id, hot, rk);
  }
  for (bool reverse : {false, true}) {
    auto spec = range_spec(15);
    spec.reverse = reverse;
    auto [first, cursor] = before.page(spec, std::nullopt);
    ASSERT_TRUE(cursor);
    std::vector<std::string> got = range_keys(first);
    while (cursor) {
      auto [items, next] = after.page(spec, cursor);
      for (auto& k : range_keys(items)) got.push_back(k);
      cursor = next;
    }
    auto want = letters('a', 'z');
    if (reverse) std::reverse(want.begin(), want.end());
    EXPECT_EQ(got, want);
  }
}

TEST(items_walk, a_cursor_from_another_query_is_400) {
  fake_cluster c(layout_segments());
  for (const auto& rk : letters('a', 'j')) c.put(items_id, hot, rk);
  auto [items, cursor] = c.page(range_spec(3), std::nullopt);
  ASSERT_TRUE(cursor);
  auto rev = range_spec(3);
  rev.reverse = true;
  EXPECT_EQ(start_walk(rev, cursor).error().status, 400u);
  walk_spec scan;
  scan.kind = walk_kind::scan;
  scan.table = items_id;
  EXPECT_EQ(start_walk(scan, cursor).error().status, 400u);
  auto other_table = range_spec(3);
  other_table.table = kv_id;
  EXPECT_EQ(start_walk(other_table, cursor).error().status, 400u);
  auto other_key = range_spec(3);
  other_key.hash_key = "cold";  // position outside the hash key's range
  EXPECT_EQ(start_walk(other_key, cursor).error().status, 400u);
  EXPECT_EQ(start_walk(range_spec(3), std::string("bm9wZQ")).error().status, 400u);
}

}  // namespace
}  // namespace ropekv::router
