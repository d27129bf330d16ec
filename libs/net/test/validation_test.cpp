#include <gtest/gtest.h>

#include <vector>

#include "ropekv/net/validation.hpp"

namespace ropekv::net {
namespace {

TEST(validation, table_names) {
  for (const std::string& ok : std::vector<std::string>{"abc", "users", "a.b-c_D9", std::string(255, 'x')})
    EXPECT_TRUE(validate_table_name(ok).ok()) << ok;
  for (const std::string& bad : std::vector<std::string>{"", "ab", std::string(256, 'x'), "has space", "sl/ash", "uni\xc3\xa9",
                          std::string("nu\0l", 4), "a+b"}) {
    auto r = validate_table_name(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().status, 400u);
    EXPECT_EQ(r.error().code, "invalid_argument");
  }
  EXPECT_NE(validate_name("hook name", "x").error().message.find("hook name"), std::string::npos);
}

TEST(validation, hash_key_bounds) {
  EXPECT_TRUE(validate_hash_key("k").ok());
  EXPECT_TRUE(validate_hash_key(std::string(keys::max_hash_key_bytes, 'k')).ok());
  auto empty = validate_hash_key("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().status, 400u);
  auto big = validate_hash_key(std::string(keys::max_hash_key_bytes + 1, 'k'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().status, 413u);
  EXPECT_EQ(big.error().code, "too_large");
}

TEST(validation, range_key_bounds) {
  EXPECT_TRUE(validate_range_key("").ok());
  EXPECT_TRUE(validate_range_key(std::string(keys::max_range_key_bytes, 'r')).ok());
  auto big = validate_range_key(std::string(keys::max_range_key_bytes + 1, 'r'));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().status, 413u);
}

TEST(validation, uint64_is_strict) {
  EXPECT_EQ(*parse_uint64("x", "0"), 0u);
  EXPECT_EQ(*parse_uint64("x", "18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1.5", "1e3", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_uint64("x", bad).ok()) << bad;
}

TEST(validation, partitions) {
  EXPECT_EQ(*parse_partition("0"), 0u);
  EXPECT_EQ(*parse_partition("65535"), 65535u);
  EXPECT_FALSE(parse_partition("65536").ok());
  EXPECT_FALSE(parse_partition("p1").ok());
}

TEST(validation, printable_escapes_and_truncates) {
  EXPECT_EQ(printable(std::string("a\0\xff\\b", 5)), "a\\x00\\xff\\x5cb");
  EXPECT_EQ(printable(std::string(100, 'z')), std::string(64, 'z') + "...");
}

}  // namespace
}  // namespace ropekv::net
