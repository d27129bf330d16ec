#include "ropekv/consensus/sqlite_log.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "temp_dir.hpp"

namespace ropekv::consensus::test {
namespace {

std::vector<uint64_t> indexes(sqlite_log& log, uint64_t from = 0) {
  std::vector<uint64_t> out;
  auto st = log.for_each_entry(from, [&](const log_entry_view& e) -> status {
    out.push_back(e.index);
    return {};
  });
  EXPECT_TRUE(st.ok());
  return out;
}

TEST(sqlite_log, term_vote_entries_and_snapshot_survive_reopen) {
  temp_dir dir;
  std::string path = dir.file("seg.db");
  {
    auto log = sqlite_log::open(path);
    ASSERT_TRUE(log.ok()) << log.error().message;
    auto hs = (*log)->load_hard_state();
    ASSERT_TRUE(hs.ok());
    EXPECT_EQ(hs->term, 0u);
    ASSERT_TRUE((*log)->save_hard_state({7, 3}).ok());
    ASSERT_TRUE((*log)->begin().ok());
    for (uint64_t i = 1; i <= 10; ++i) {
      ASSERT_TRUE((*log)->put_entry(i, 7, 1, "payload" + std::to_string(i)).ok());
    }
    ASSERT_TRUE((*log)->put_entry(11, 7, 2, "").ok());  // empty payloads are fine
    snapshot_record s{5, 7, 1, "conf", std::string("data\0with\0nul", 13)};
    ASSERT_TRUE((*log)->put_snapshot(s).ok());
    ASSERT_TRUE((*log)->commit().ok());
    EXPECT_EQ((*log)->commits(), 2u);
  }
  auto log = sqlite_log::open(path);
  ASSERT_TRUE(log.ok());
  auto hs = (*log)->load_hard_state();
  EXPECT_EQ(hs->term, 7u);
  EXPECT_EQ(hs->vote, 3u);
  auto range = (*log)->entry_range();
  EXPECT_EQ(range->first, 1u);
  EXPECT_EQ(range->last, 11u);
  EXPECT_EQ(range->count, 11u);
  std::string seen;
  ASSERT_TRUE((*log)->for_each_entry(10, [&](const log_entry_view& e) -> status {
    seen += std::to_string(e.index) + ":" + std::string(e.payload) + ":" + std::to_string(e.type) + ";";
    return {};
  }).ok());
  EXPECT_EQ(seen, "10:payload10:1;11::2;");
  auto snap = (*log)->load_snapshot();
  ASSERT_TRUE(snap.ok() && snap->has_value());
  EXPECT_EQ((*snap)->index, 5u);
  EXPECT_EQ((*snap)->data.size(), 13u);
}

TEST(sqlite_log, truncation_and_rollback) {
  temp_dir dir;
  auto log = sqlite_log::open(dir.file("seg.db"), sqlite_log_options{false});
  ASSERT_TRUE(log.ok());
  auto& l = **log;
  ASSERT_TRUE(l.begin().ok());
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(l.put_entry(i, 1, 1, "x").ok());
  ASSERT_TRUE(l.commit().ok());
  ASSERT_TRUE(l.begin().ok());
  ASSERT_TRUE(l.truncate_suffix(8).ok());
  ASSERT_TRUE(l.truncate_prefix(3).ok());
  ASSERT_TRUE(l.commit().ok());
  EXPECT_EQ(indexes(l), (std::vector<uint64_t>{3, 4, 5, 6, 7}));
  ASSERT_TRUE(l.begin().ok());
  ASSERT_TRUE(l.truncate_suffix(0).ok());
  l.rollback();
  EXPECT_EQ(indexes(l).size(), 5u);
}

TEST(sqlite_log, shares_the_file_with_other_tables) {
  temp_dir dir;
  std::string path = dir.file("seg.db");
  auto log = sqlite_log::open(path, sqlite_log_options{false});
  ASSERT_TRUE(log.ok());
  // A second opener (the store) sees our tables and keeps its own.
  auto other = sqlite_log::open(path, sqlite_log_options{false});
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*log)->save_hard_state({2, 0}).ok());
  EXPECT_EQ((*other)->load_hard_state()->term, 2u);
}

}  // namespace
}  // namespace ropekv::consensus::test
