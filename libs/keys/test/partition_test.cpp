#include <gtest/gtest.h>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::keys {
namespace {

// Golden vectors: XXH64 with seed 0 is published for these inputs
// (e.g. XXH64("") = 0xEF46DB3751D8E999). The partition is its top 16 bits.
// If this test fails, the on-disk format has drifted: do not "fix" the table.
TEST(partition, golden_vectors) {
  EXPECT_EQ(partition_of(""), 0xEF46);
  EXPECT_EQ(partition_of("a"), 0xD24E);
  EXPECT_EQ(partition_of("abc"), 0x44BC);
}

TEST(partition, make_key_uses_partition_function) {
  auto k = make_key(3, "user#17", "2024");
  EXPECT_EQ(k.partition, partition_of("user#17"));
  EXPECT_EQ(k.table, 3u);
}

TEST(partition, spreads_keys_uniformly) {
  // 2^16 keys into 16 buckets of the partition space: each bucket should get
  // about 4096; a broken hash (e.g. one that ignores bytes) would not.
  std::array<int, 16> buckets{};
  for (int i = 0; i < 65536; ++i) buckets[partition_of("k" + std::to_string(i)) >> 12]++;
  for (int n : buckets) {
    EXPECT_GT(n, 3500);
    EXPECT_LT(n, 4700);
  }
}

}  // namespace
}  // namespace ropekv::keys
