// index_store: tailing the feed and querying.
#include "ropekv/index/index_store.hpp"

#include <gtest/gtest.h>

#include "ropekv/index/index_key.hpp"
#include "store_test_util.hpp"

namespace ropekv::index {
namespace {

using namespace ropekv::index::test;

// (index key, hash key) of every row, in index order.
std::vector<std::pair<std::string, std::string>> rows(index_store& s) {
  auto d = s.dump();
  EXPECT_TRUE(d.ok());
  std::vector<std::pair<std::string, std::string>> out;
  if (d.ok()) {
    for (auto& [ikey, it] : *d) out.emplace_back(ikey, it.hash_key());
  }
  return out;
}

void apply(index_store& s, std::vector<pb::ChangeEvent> events, uint64_t position = 1) {
  auto r = s.apply_events(events, token(position));
  ASSERT_TRUE(r.ok()) << r.error().message;
}

std::vector<std::string> hash_keys(const query_page& p) {
  std::vector<std::string> out;
  for (const auto& it : p.items) out.push_back(it.hash_key());
  return out;
}

query_page query_ok(index_store& s, const query_args& q) {
  auto r = s.query(q);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : query_page{};
}

using rows_t = std::vector<std::pair<std::string, std::string>>;

class IndexStore : public ::testing::Test {
 protected:
  temp_dir dir_;
};

TEST_F(IndexStore, FreshFileIsBackfillingAndEmpty) {
  auto s = open_ok(dir_.file(), descriptor(1, "city"));
  EXPECT_EQ(s->phase(), pb::INDEX_BACKFILLING);
  EXPECT_EQ(s->index_id(), 1u);
  EXPECT_EQ(s->table_id(), table);
  EXPECT_EQ(s->spec().attribute(), "city");
  EXPECT_TRUE(s->backfill_ranges().empty());
  EXPECT_EQ(s->counters().entries, 0u);
  EXPECT_TRUE(rows(*s).empty());
  EXPECT_EQ(s->path(), dir_.file());
}

TEST_F(IndexStore, RefusesABadAttribute) {
  auto s = index_store::open(dir_.file(), descriptor(1, "a..b"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST_F(IndexStore, CreateUpdateChangesValueAndType) {
  auto s = open_ok(dir_.file(), descriptor(1, "city"));
  apply(*s, {event(pb::CHANGE_CREATE, item("u1", "", R"({"city":"Oslo"})", 1)),
             put("u2", R"({"city":"Bergen"})", 2)});
  EXPECT_EQ(rows(*s), (rows_t{{"Bergen", "u2"}, {"Oslo", "u1"}}));
  apply(*s, {put("u1", R"({"city":"Aalesund"})", 3)});
  EXPECT_EQ(rows(*s), (rows_t{{"Aalesund", "u1"}, {"Bergen", "u2"}}));
  apply(*s, {put("u1", R"({"city":47})", 4)});  // another type: no longer indexed
  EXPECT_EQ(rows(*s), (rows_t{{"Bergen", "u2"}}));
  EXPECT_EQ(s->counters().entries, 1u);
  apply(*s, {event(pb::CHANGE_PUT, item("u1", "", R"({"city":"Tromso"})", 5))});  // legacy put kind
  EXPECT_EQ(rows(*s), (rows_t{{"Bergen", "u2"}, {"Tromso", "u1"}}));
  EXPECT_EQ(s->counters().entries, 2u);
  auto d = s->dump();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[1].second.version(), 5u);
  EXPECT_EQ((*d)[1].second.value(), R"({"city":"Tromso"})");
}

TEST_F(IndexStore, DeleteAndExpiredRemoveRows) {
  auto s = open_ok(dir_.file(), descriptor(1, "n", pb::INDEX_NUMBER));
  apply(*s, {put("a", R"({"n":1})", 1), put("b", R"({"n":2})", 2), put("c", R"({"n":3})", 3)});
  apply(*s, {del("a", 4), del("b", 5, pb::CHANGE_EXPIRED), del("zz", 6)});  // zz: never indexed
  EXPECT_EQ(rows(*s), (rows_t{{encode_number(3), "c"}}));
  EXPECT_EQ(s->counters().entries, 1u);
  apply(*s, {put("a", R"({"n":9})", 7)});  // re-created after its delete
  EXPECT_EQ(rows(*s), (rows_t{{encode_number(3), "c"}, {encode_number(9), "a"}}));
}

TEST_F(IndexStore, ReplaysAndOlderVersionsAreIgnored) {
  auto s = open_ok(dir_.file(), descriptor(1, "city"));
  apply(*s, {put("u1", R"({"city":"Oslo"})", 5)});
  apply(*s, {put("u1", R"({"city":"Oslo-replayed"})", 5), put("u1", R"({"city":"Old"})", 3),
             del("u1", 4), del("u1", 5, pb::CHANGE_EXPIRED)});
  EXPECT_EQ(rows(*s), (rows_t{{"Oslo", "u1"}}));
  // Not indexed still remembers its version: an older indexed put stays out.
  apply(*s, {put("u2", R"({"other":1})", 8), put("u2", R"({"city":"Late"})", 7)});
  EXPECT_EQ(rows(*s), (rows_t{{"Oslo", "u1"}}));
  EXPECT_EQ(s->counters().entries, 1u);
}

TEST_F(IndexStore, RollbackEventsAreLeftToReplaceRange) {
  auto s = open_ok(dir_.file(), descriptor(1, "city"));
  apply(*s, {put("u1", R"({"city":"Oslo"})", 5)});
  auto rb = put("u1", "", 9);
  rb.set_kind(pb::CHANGE_ROLLBACK);
  rb.set_rollback_to_version(3);
  apply(*s, {rb}, 2);
  EXPECT_EQ(rows(*s), (rows_t{{"Oslo", "u1"}}));
  EXPECT_EQ(s->position().cursors(0).position(), 2u);
}

TEST_F(IndexStore, ABadBatchChangesNothing) {
  auto s = open_ok(dir_.file(), descriptor(1, "city"));
  apply(*s, {put("u1", R"({"city":"Oslo"})", 1)}, 1);
  auto foreign = put("u9", R"({"city":"X"})", 2);
  foreign.mutable_item()->set_table_id(table + 1);
  auto r = s->apply_events(std::vector{put("u2", R"({"city":"Y"})", 2), foreign}, token(2));
  EXPECT_FALSE(r.ok());
  auto unknown = put("u3", R"({"city":"Z"})", 3);
  unknown.set_kind(static_cast<pb::ChangeKind>(42));
  r = s->apply_events(std::vector{put("u2", R"({"city":"Y"})", 2), unknown}, token(3));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(rows(*s), (rows_t{{"Oslo", "u1"}}));
  EXPECT_EQ(s->counters().entries, 1u);
  EXPECT_EQ(s->position().cursors(0).position(), 1u);
}

TEST_F(IndexStore, ProjectionKeysOrAll) {
  auto keys_only = open_ok(dir_.file("k.db"), descriptor(1, "city", pb::INDEX_STRING, pb::PROJECT_KEYS));
  auto all = open_ok(dir_.file("a.db"), descriptor(2, "city", pb::INDEX_STRING, pb::PROJECT_ALL));
  auto ev = event(pb::CHANGE_CREATE, item("u1", "r1", R"({"city":"Oslo","x":1})", 3, 9000));
  ev.mutable_item()->set_rk2("local");
  ev.mutable_item()->set_has_rk2(true);
  for (auto* s : {keys_only.get(), all.get()}) apply(*s, {ev});
  auto k = query_ok(*keys_only, args());
  auto a = query_ok(*all, args());
  ASSERT_EQ(k.items.size(), 1u);
  ASSERT_EQ(a.items.size(), 1u);
  for (const auto* it : {&k.items[0], &a.items[0]}) {
    EXPECT_EQ(it->table_id(), table);
    EXPECT_EQ(it->hash_key(), "u1");
    EXPECT_EQ(it->range_key(), "r1");
    EXPECT_EQ(it->version(), 3u);
    EXPECT_EQ(it->expires_at_ms(), 9000);
    EXPECT_FALSE(it->has_rk2());
    EXPECT_TRUE(it->rk2().empty());
  }
  EXPECT_TRUE(k.items[0].value().empty());
  EXPECT_EQ(a.items[0].value(), R"({"city":"Oslo","x":1})");
}

TEST_F(IndexStore, QueryEqualityRangeAndReverse) {
  auto s = open_ok(dir_.file(), descriptor(1, "age", pb::INDEX_NUMBER));
  apply(*s, {put("a", R"({"age":30})", 1), put("b", R"({"age":-5})", 2), put("c", R"({"age":30})", 3),
             put("d", R"({"age":100})", 4), put("e", R"({"age":9})", 5), put("f", R"({"age":"30"})", 6)});
  auto n = [](double v) { return encode_number(v); };
  EXPECT_EQ(hash_keys(query_ok(*s, args().eq(n(30)))).size(), 2u);
  EXPECT_TRUE(query_ok(*s, args().eq(n(31))).items.empty());
  auto all = hash_keys(query_ok(*s, args()));
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front(), "b");
  EXPECT_EQ(all.back(), "d");
  EXPECT_EQ(hash_keys(query_ok(*s, args().from(n(9)).to(n(100)))).size(), 3u);  // 9, 30, 30
  EXPECT_EQ(hash_keys(query_ok(*s, args().from(n(10)))).size(), 3u);
  EXPECT_EQ(hash_keys(query_ok(*s, args().to(n(9)))), (std::vector<std::string>{"b"}));
  auto rev = hash_keys(query_ok(*s, args().reverse()));
  EXPECT_EQ(rev, std::vector<std::string>(all.rbegin(), all.rend()));
  auto rev_range = hash_keys(query_ok(*s, args().from(n(0)).to(n(50)).reverse()));
  ASSERT_EQ(rev_range.size(), 3u);
  EXPECT_EQ(rev_range.back(), "e");
}

TEST_F(IndexStore, CursorPagesThroughEqualKeysBothWays) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  std::vector<pb::ChangeEvent> evs;
  for (int i = 0; i < 250; ++i) {
    evs.push_back(put("k" + std::to_string(i), R"({"g":")" + std::to_string(i % 3) + "\"}", i + 1));
  }
  apply(*s, evs);
  auto d = s->dump();
  ASSERT_TRUE(d.ok());
  std::vector<std::string> expected;
  for (auto& [ikey, it] : *d) expected.push_back(it.hash_key());
  for (bool reverse : {false, true}) {
    for (size_t limit : {1, 7, 100}) {
      std::vector<std::string> got;
      query_args q = args().reverse(reverse).limit(limit);
      size_t pages = 0;
      while (true) {
        auto p = query_ok(*s, q);
        ASSERT_LE(p.items.size(), limit);
        for (auto& h : hash_keys(p)) got.push_back(h);
        ++pages;
        if (p.next_cursor.empty()) break;
        q.cursor = p.next_cursor;
        ASSERT_LT(pages, 1000u);
      }
      auto want = expected;
      if (reverse) std::reverse(want.begin(), want.end());
      EXPECT_EQ(got, want) << "limit " << limit << " reverse " << reverse;
    }
  }
  // Within one equal key too.
  std::vector<std::string> ones;
  query_args q = args().eq("1").limit(10);
  while (true) {
    auto p = query_ok(*s, q);
    for (auto& h : hash_keys(p)) ones.push_back(h);
    if (p.next_cursor.empty()) break;
    q.cursor = p.next_cursor;
  }
  EXPECT_EQ(ones.size(), 83u);
}

TEST_F(IndexStore, LimitsAreClamped) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  std::vector<pb::ChangeEvent> evs;
  for (int i = 0; i < 1100; ++i) evs.push_back(put("k" + std::to_string(i), R"({"g":"x"})", i + 1));
  apply(*s, evs);
  auto p = query_ok(*s, args().limit(0));
  EXPECT_EQ(p.items.size(), 100u);
  EXPECT_FALSE(p.next_cursor.empty());
  p = query_ok(*s, args().limit(5000));
  EXPECT_EQ(p.items.size(), 1000u);
  EXPECT_FALSE(p.next_cursor.empty());
  p = query_ok(*s, args().limit(1000).cursor(p.next_cursor));
  EXPECT_EQ(p.items.size(), 100u);
  EXPECT_TRUE(p.next_cursor.empty());
}

TEST_F(IndexStore, BadCursorsAreRefused) {
  auto s = open_ok(dir_.file("1.db"), descriptor(1, "g"));
  auto other = open_ok(dir_.file("2.db"), descriptor(2, "g"));
  for (auto* st : {s.get(), other.get()}) {
    apply(*st, {put("a", R"({"g":"x"})", 1), put("b", R"({"g":"x"})", 2)});
  }
  auto foreign = query_ok(*other, args().limit(1)).next_cursor;
  ASSERT_FALSE(foreign.empty());
  auto mine = query_ok(*s, args().limit(1)).next_cursor;
  for (const std::string& c : {std::string("garbage"), foreign, mine.substr(0, 3), std::string("\x01\x01\x05xy", 5),
                               mine.substr(0, mine.size() - 2)}) {
    auto r = s->query(args().cursor(c));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, errc::invalid_argument);
    EXPECT_EQ(r.error().message.rfind("bad_cursor", 0), 0u);
  }
}

TEST_F(IndexStore, ExpiredItemsAreHidden) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  apply(*s, {put("a", R"({"g":"x"})", 1, 1000), put("b", R"({"g":"x"})", 2)});
  EXPECT_EQ(hash_keys(query_ok(*s, args().now(999))).size(), 2u);
  EXPECT_EQ(hash_keys(query_ok(*s, args().now(1000))), (std::vector<std::string>{"b"}));
  EXPECT_EQ(s->counters().entries, 2u);  // still filed until its expiry event
}

TEST_F(IndexStore, ExpiredRowsBoundTheWorkOfOnePage) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  std::vector<pb::ChangeEvent> evs;
  for (int i = 0; i < 10000; ++i) {
    evs.push_back(put("k" + std::to_string(10000 + i), R"({"g":"x"})", i + 1, 50));
  }
  evs.push_back(put("zz", R"({"g":"x"})", 20000));
  apply(*s, evs);
  query_args q = args().limit(10).now(100);
  std::vector<std::string> got;
  size_t pages = 0;
  while (true) {
    auto p = query_ok(*s, q);
    for (auto& h : hash_keys(p)) got.push_back(h);
    ++pages;
    if (p.next_cursor.empty()) break;
    q.cursor = p.next_cursor;
  }
  EXPECT_EQ(got, (std::vector<std::string>{"zz"}));
  EXPECT_GE(pages, 3u);  // 10001 rows at 4096 per call
}

TEST_F(IndexStore, UniqueViolationsAreCountedExactly) {
  auto s = open_ok(dir_.file(), descriptor(1, "email", pb::INDEX_STRING, pb::PROJECT_KEYS, true));
  auto v = [&] { return s->counters().unique_violations; };
  apply(*s, {put("a", R"({"email":"x"})", 1), put("b", R"({"email":"y"})", 2)});
  EXPECT_EQ(v(), 0u);
  apply(*s, {put("c", R"({"email":"x"})", 3)});
  EXPECT_EQ(v(), 1u);
  apply(*s, {put("d", R"({"email":"x"})", 4)});  // x held by three: still one key
  EXPECT_EQ(v(), 1u);
  apply(*s, {put("e", R"({"email":"y"})", 5)});
  EXPECT_EQ(v(), 2u);
  apply(*s, {put("e", R"({"email":"z"})", 6)});  // y back to one holder
  EXPECT_EQ(v(), 1u);
  apply(*s, {del("a", 7), del("c", 8)});
  EXPECT_EQ(v(), 0u);
  apply(*s, {put("d", R"({"email":"x"})", 9)});  // same key rewritten: no change
  EXPECT_EQ(v(), 0u);
  EXPECT_EQ(s->counters().entries, 3u);

  auto plain = open_ok(dir_.file("p.db"), descriptor(2, "email"));
  apply(*plain, {put("a", R"({"email":"x"})", 1), put("b", R"({"email":"x"})", 2)});
  EXPECT_EQ(plain->counters().unique_violations, 0u);
}

TEST_F(IndexStore, PositionFollowsEachBatch) {
  auto s = open_ok(dir_.file(), descriptor(1, "g"));
  apply(*s, {put("a", R"({"g":"x"})", 1)}, 11);
  EXPECT_TRUE(same_message(s->position(), token(11)));
  apply(*s, {}, 12);  // a batch of nothing still moves the position
  EXPECT_TRUE(same_message(s->position(), token(12)));
}

}  // namespace
}  // namespace ropekv::index
