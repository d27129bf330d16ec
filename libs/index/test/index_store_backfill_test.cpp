// index_store: backfill, range replacement, and what survives a re-open.
#include <gtest/gtest.h>

#include "ropekv/index/index_store.hpp"
#include "store_test_util.hpp"

namespace ropekv::index {
namespace {

using namespace ropekv::index::test;

std::vector<std::string> hash_keys(index_store& s) {
  auto d = s.dump();
  EXPECT_TRUE(d.ok());
  std::vector<std::string> out;
  if (d.ok()) {
    for (auto& [ikey, it] : *d) out.push_back(it.hash_key());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Items u0..u(n-1) of `table`, each {"g":"x"}, sorted by base key.
std::vector<pb::Item> items(int n, uint64_t version = 1) {
  std::vector<pb::Item> out;
  for (int i = 0; i < n; ++i) out.push_back(item("u" + std::to_string(i), "", R"({"g":"x"})", version));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return pk_of(a) < pk_of(b); });
  return out;
}

// Two ranges covering the table, split at `mid`.
std::vector<backfill_range> halves(const std::string& mid) {
  std::string p = keys::table_prefix(table);
  return {range(p, mid), range(mid, keys::prefix_end(p))};
}

class IndexBackfill : public ::testing::Test {
 protected:
  temp_dir dir_;
};

TEST_F(IndexBackfill, PagesThenFinish) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  auto all = items(20);
  std::string mid = pk_of(all[10]);
  auto ranges = halves(mid);
  ASSERT_TRUE(s->begin_backfill(ranges, 25).ok());
  EXPECT_EQ(s->phase(), pb::INDEX_BACKFILLING);
  EXPECT_EQ(s->backfill_ranges(), ranges);
  EXPECT_EQ(s->counters().items_estimated, 25u);

  backfill_range first = ranges[0];
  first.position = 40;
  first.cursor = "c1";
  ASSERT_TRUE(s->apply_scan_page(first, std::span(all).subspan(0, 5)).ok());
  first.cursor = "c2";
  first.done = true;
  ASSERT_TRUE(s->apply_scan_page(first, std::span(all).subspan(5, 5)).ok());
  EXPECT_EQ(s->counters().items_done, 10u);
  EXPECT_EQ(s->backfill_ranges()[0], first);

  // The second range's segment split mid-scan: its rest continues as two.
  std::string quarter = pk_of(all[15]);
  std::vector<backfill_range> split{{mid, quarter, 41, "c3", false}, {quarter, ranges[1].end, 41, "", false}};
  ASSERT_TRUE(s->replace_backfill_range(mid, split).ok());
  ASSERT_EQ(s->backfill_ranges().size(), 3u);
  EXPECT_EQ(s->backfill_ranges()[1], split[0]);

  EXPECT_FALSE(s->finish_backfill(token(50)).ok());  // ranges left
  auto a = split[0];
  a.done = true;
  ASSERT_TRUE(s->apply_scan_page(a, std::span(all).subspan(10, 5)).ok());
  auto b = split[1];
  b.done = true;
  ASSERT_TRUE(s->apply_scan_page(b, std::span(all).subspan(15, 5)).ok());
  ASSERT_TRUE(s->finish_backfill(token(41)).ok());
  EXPECT_EQ(s->phase(), pb::INDEX_ACTIVE);
  EXPECT_TRUE(same_message(s->position(), token(41)));
  EXPECT_EQ(s->counters().entries, 20u);
  EXPECT_EQ(s->counters().items_done, 20u);
  EXPECT_EQ(s->counters().rebuilds, 0u);

  // And it all reads back the same after a restart.
  auto before = s->backfill_ranges();
  s.reset();
  s = open_ok(dir_.file(), descriptor(1, "g"));
  EXPECT_EQ(s->phase(), pb::INDEX_ACTIVE);
  EXPECT_TRUE(same_message(s->position(), token(41)));
  EXPECT_EQ(s->backfill_ranges(), before);
  EXPECT_EQ(s->counters().entries, 20u);
  EXPECT_EQ(hash_keys(*s).size(), 20u);
}

TEST_F(IndexBackfill, ScanPagesKeepTheVersionGuard) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  std::string p = keys::table_prefix(table);
  backfill_range whole = range(p, keys::prefix_end(p));
  ASSERT_TRUE(s->begin_backfill(std::span(&whole, 1), 2).ok());
  pb::Item newer = item("u1", "", R"({"g":"new"})", 9);
  pb::Item older = item("u1", "", R"({"g":"old"})", 4);
  // A page re-scanned after a split hands the same key in twice.
  ASSERT_TRUE(s->apply_scan_page(whole, std::span(&newer, 1)).ok());
  ASSERT_TRUE(s->apply_scan_page(whole, std::span(&older, 1)).ok());
  auto d = s->dump();
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0].first, "new");
  EXPECT_EQ(s->counters().entries, 1u);
  EXPECT_EQ(s->counters().items_done, 2u);
}

TEST_F(IndexBackfill, RefusesBadRangesAndItems) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  std::string p = keys::table_prefix(table);
  std::vector<backfill_range> overlapping{range(p, p + "\x50"), range(p + "\x40", "")};
  EXPECT_FALSE(s->begin_backfill(overlapping, 0).ok());
  std::vector<backfill_range> inf_first{range(p, ""), range(p + "\x40", "")};
  EXPECT_FALSE(s->begin_backfill(inf_first, 0).ok());
  std::vector<backfill_range> empty_range{range(p + "\x40", p + "\x40")};
  EXPECT_FALSE(s->begin_backfill(empty_range, 0).ok());

  auto ranges = halves(p + "\x80");
  ASSERT_TRUE(s->begin_backfill(ranges, 0).ok());
  EXPECT_FALSE(s->apply_scan_page(range(p, p + "\x81"), {}).ok());  // not a range of ours
  // An item of the second half handed in as the first half's page.
  auto all = items(40);
  auto second = std::find_if(all.begin(), all.end(), [&](const auto& it) { return pk_of(it) >= ranges[1].start; });
  ASSERT_NE(second, all.end());
  EXPECT_FALSE(s->apply_scan_page(ranges[0], std::span(&*second, 1)).ok());
  auto foreign = all[0];
  foreign.set_table_id(table + 1);
  EXPECT_FALSE(s->apply_scan_page(ranges[0], std::span(&foreign, 1)).ok());
  // Replacements must cover the replaced range exactly.
  std::vector<backfill_range> short_of{range(ranges[1].start, ranges[1].end + "x")};
  EXPECT_FALSE(s->replace_backfill_range(ranges[1].start, short_of).ok());
  EXPECT_FALSE(s->replace_backfill_range(p + "\x01", std::span(ranges).subspan(1)).ok());
  EXPECT_EQ(s->backfill_ranges(), ranges);
  EXPECT_EQ(s->counters().items_done, 0u);
}

TEST_F(IndexBackfill, BeginningAgainClearsAndCountsARebuild) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  auto ranges = halves(keys::table_prefix(table) + "\x80");
  ASSERT_TRUE(s->begin_backfill(ranges, 0).ok());
  EXPECT_EQ(s->counters().rebuilds, 0u);  // nothing was there
  auto all = items(10);
  auto done = ranges;
  for (auto& r : done) {
    r.done = true;
    std::vector<pb::Item> in;
    for (auto& it : all) {
      if (pk_of(it) >= r.start && pk_of(it) < r.end) in.push_back(it);
    }
    ASSERT_TRUE(s->apply_scan_page(r, in).ok());
  }
  ASSERT_TRUE(s->finish_backfill(token(3)).ok());
  EXPECT_EQ(s->counters().entries, 10u);
  ASSERT_TRUE(s->begin_backfill(ranges, 10).ok());
  EXPECT_EQ(s->phase(), pb::INDEX_BACKFILLING);
  EXPECT_EQ(s->counters().entries, 0u);
  EXPECT_EQ(s->counters().items_done, 0u);
  EXPECT_EQ(s->counters().rebuilds, 1u);
  EXPECT_EQ(s->position().cursors_size(), 0);
  EXPECT_TRUE(hash_keys(*s).empty());
}

TEST_F(IndexBackfill, ReplaceRangeSwapsOnlyThatRange) {
  auto s = open_ok(dir_.file(), descriptor(1, "g", pb::INDEX_STRING, pb::PROJECT_ALL, true));
  auto all = items(30, 5);
  std::vector<pb::ChangeEvent> evs;
  for (auto& it : all) evs.push_back(event(pb::CHANGE_CREATE, it));
  ASSERT_TRUE(s->apply_events(evs, token(5)).ok());
  EXPECT_EQ(s->counters().unique_violations, 1u);  // all thirty under "x"

  std::string start = pk_of(all[10]);
  std::string end = pk_of(all[20]);
  // The partition was rolled back: keys 10..19 now hold older versions,
  // two of them another value, one not indexed and one gone.
  std::vector<pb::Item> reread;
  for (int i = 10; i < 19; ++i) {
    auto it = all[static_cast<size_t>(i)];
    it.set_version(3);
    if (i == 11 || i == 12) it.set_value(R"({"g":"y"})");
    if (i == 13) it.set_value(R"({"h":1})");
    reread.push_back(it);
  }
  ASSERT_TRUE(s->replace_range(start, end, reread, token(6)).ok());
  EXPECT_EQ(s->counters().entries, 28u);  // 30 - one gone - one not indexed
  EXPECT_EQ(s->counters().unique_violations, 2u);
  EXPECT_TRUE(same_message(s->position(), token(6)));
  auto d = s->dump();
  ASSERT_TRUE(d.ok());
  size_t at_3 = 0;
  for (auto& [ikey, it] : *d) at_3 += it.version() == 3 ? 1 : 0;
  EXPECT_EQ(at_3, 8u);
  // Base entries were replaced too: version 4 now applies inside the range.
  ASSERT_TRUE(s->apply_events(std::vector{event(pb::CHANGE_UPDATE, item(all[14].hash_key(), "", R"({"g":"z"})", 4))},
                              token(7)).ok());
  EXPECT_EQ(s->counters().entries, 28u);
  // Up to +infinity, and an item outside the range is refused.
  EXPECT_FALSE(s->replace_range(start, end, std::vector{all[25]}, token(8)).ok());
  ASSERT_TRUE(s->replace_range(start, "", {}, token(8)).ok());
  EXPECT_EQ(s->counters().entries, 10u);
  EXPECT_EQ(s->counters().unique_violations, 1u);
  EXPECT_FALSE(s->replace_range(end, start, {}, token(9)).ok());
}

TEST_F(IndexBackfill, ReopenKeepsEverything) {
  auto d = descriptor(1, "g", pb::INDEX_STRING, pb::PROJECT_KEYS, true);
  auto s = open_ok(dir_.file(), d);
  ASSERT_TRUE(s->begin_backfill(halves(keys::table_prefix(table) + "\x80"), 7).ok());
  ASSERT_TRUE(s->apply_events(std::vector{put("a", R"({"g":"x"})", 1), put("b", R"({"g":"x"})", 2),
                                          put("c", R"({"g":"w"})", 3, 77)},
                              token(3)).ok());
  auto dump = s->dump();
  ASSERT_TRUE(dump.ok());
  auto counters = s->counters();
  auto ranges = s->backfill_ranges();
  s.reset();

  d.mutable_spec()->set_name("renamed");  // same definition under another name: kept
  s = open_ok(dir_.file(), d);
  auto again = s->dump();
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), dump->size());
  for (size_t i = 0; i < dump->size(); ++i) {
    EXPECT_EQ((*again)[i].first, (*dump)[i].first);
    EXPECT_TRUE(same_message((*again)[i].second, (*dump)[i].second));
  }
  EXPECT_EQ(s->counters().entries, counters.entries);
  EXPECT_EQ(s->counters().unique_violations, 1u);
  EXPECT_EQ(s->counters().items_estimated, 7u);
  EXPECT_EQ(s->backfill_ranges(), ranges);
  EXPECT_TRUE(same_message(s->position(), token(3)));
  EXPECT_EQ(s->spec().name(), "renamed");
  // The version guard survived too.
  ASSERT_TRUE(s->apply_events(std::vector{put("a", R"({"g":"old"})", 1)}, token(4)).ok());
  EXPECT_EQ(s->counters().unique_violations, 1u);
}

TEST_F(IndexBackfill, AnotherDefinitionOrIndexStartsOver) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  ASSERT_TRUE(s->apply_events(std::vector{put("a", R"({"g":"x"})", 1)}, token(1)).ok());
  ASSERT_TRUE(s->finish_backfill(token(1)).ok());
  s.reset();

  s = open_ok(dir_.file(), descriptor(1, "g", pb::INDEX_NUMBER));
  EXPECT_TRUE(hash_keys(*s).empty());
  EXPECT_EQ(s->phase(), pb::INDEX_BACKFILLING);
  EXPECT_EQ(s->counters().rebuilds, 1u);
  EXPECT_EQ(s->counters().entries, 0u);
  EXPECT_EQ(s->position().cursors_size(), 0);
  // Emptied base too: version 1 applies again.
  ASSERT_TRUE(s->apply_events(std::vector{put("a", R"({"g":5})", 1)}, token(1)).ok());
  EXPECT_EQ(hash_keys(*s).size(), 1u);
  s.reset();

  s = open_ok(dir_.file(), descriptor(2, "g", pb::INDEX_NUMBER));  // another index's file
  EXPECT_TRUE(hash_keys(*s).empty());
  EXPECT_EQ(s->index_id(), 2u);
  EXPECT_EQ(s->counters().rebuilds, 1u);
  s.reset();
  s = open_ok(dir_.file(), descriptor(2, "g", pb::INDEX_NUMBER));
  EXPECT_EQ(s->counters().rebuilds, 1u);  // the same again: kept
}

}  // namespace
}  // namespace ropekv::index
