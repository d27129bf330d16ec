#include "disk_guard.hpp"

#include <gtest/gtest.h>

namespace ropekv::segment_owner {
namespace {

TEST(disk_guard, stays_full_until_enough_space_is_free) {
  std::optional<uint64_t> free = 0;
  disk_guard g([&] { return free; }, 1000);
  EXPECT_FALSE(g.full());
  EXPECT_FALSE(g.check());  // not full: nothing to clear
  EXPECT_TRUE(g.on_full());
  EXPECT_FALSE(g.on_full());  // one episode, however many replicas fail
  EXPECT_TRUE(g.full());
  free = 999;
  EXPECT_FALSE(g.check());
  EXPECT_TRUE(g.full());
  free = std::nullopt;  // unmeasurable: still full
  EXPECT_FALSE(g.check());
  free = 1000;
  EXPECT_TRUE(g.check());
  EXPECT_FALSE(g.full());
  EXPECT_TRUE(g.on_full());
  EXPECT_EQ(g.episodes(), 2u);
}

TEST(disk_guard, recognises_a_full_disk_reason) {
  EXPECT_TRUE(disk_guard::is_full_reason("error(runtime_error, \"insufficient_storage: raft log commit: "
                                         "database or disk is full\")"));
  EXPECT_FALSE(disk_guard::is_full_reason("error(runtime_error, \"io_error: disk I/O error\")"));
  EXPECT_FALSE(disk_guard::is_full_reason(""));
}

TEST(disk_guard, measures_free_space_of_a_real_directory) {
  auto free = disk_guard::free_bytes_of("/");
  ASSERT_TRUE(free.has_value());
  EXPECT_FALSE(disk_guard::free_bytes_of("/no/such/dir/at/all").has_value());
}

}  // namespace
}  // namespace ropekv::segment_owner
