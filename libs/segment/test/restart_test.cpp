// Crashes and restarts: a replica reopens from its SQLite file and catches
// up (from the log, or from a snapshot once the log was compacted); no
// acknowledged write is lost when the leader dies.
#include <gtest/gtest.h>

#include "ropekv/consensus/replica.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

constexpr uint64_t seg = 10;

TEST(restart, a_crashed_follower_reopens_from_its_file_and_catches_up) {
  sim_cluster c;
  c.create_group(store::segment_meta{seg, "", "", 1});
  unsigned l = *c.wait_leader(seg);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.write(l, seg, put_req("a" + std::to_string(i), "1")).status().error_code(), 0u);
  ASSERT_TRUE(c.settle(seg));
  unsigned f = (l + 1) % 3;
  c.crash(f);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.write(l, seg, put_req("b" + std::to_string(i), "2")).status().error_code(), 0u);
  c.restart(f);
  // What it had before the crash is there at once, from its own file.
  EXPECT_EQ(c.get(f, seg, get_req("a3", pb::EVENTUAL)).item().value(), "1");
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.get(f, seg, get_req("b3", pb::EVENTUAL)).item().value(), "2");
  EXPECT_TRUE(c.converged(seg));
}

TEST(restart, a_dead_leader_is_replaced_and_no_acknowledged_write_is_lost) {
  sim_cluster c;
  c.create_group(store::segment_meta{seg, "", "", 1});
  unsigned l = *c.wait_leader(seg);
  for (int i = 0; i < 30; ++i) ASSERT_EQ(c.write(l, seg, put_req("k" + std::to_string(i), "v")).status().error_code(), 0u);
  c.crash(l);
  uint64_t died = c.now_ms();
  auto fresh = c.wait_leader(seg, 5000);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_LE(c.now_ms() - died, 2u * 300 + 100);  // within two election timeouts
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(c.get(*fresh, seg, get_req("k" + std::to_string(i))).item().value(), "v");
  }
  c.restart(l);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_TRUE(c.converged(seg));
}

TEST(restart, a_replica_behind_a_compacted_log_catches_up_from_a_snapshot) {
  sim_options o;
  o.snapshot_threshold = 16;
  o.snapshot_trailing = 4;
  sim_cluster c(o);
  c.create_group(store::segment_meta{seg, "", "", 1});
  unsigned l = *c.wait_leader(seg);
  unsigned f = (l + 1) % 3;
  c.crash(f);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(c.write(l, seg, put_req("k" + std::to_string(i), "v")).status().error_code(), 0u);
  }
  c.restart(f);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_TRUE(c.converged(seg));
  EXPECT_EQ(c.get(f, seg, get_req("k99", pb::EVENTUAL)).item().value(), "v");
}

}  // namespace
}  // namespace ropekv::segment::test
