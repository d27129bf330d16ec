#include <gtest/gtest.h>

#include "blob_key.hpp"

namespace ropekv::blob {
namespace {

TEST(BlobKey, AcceptsNestedKeys) {
  EXPECT_TRUE(check_key("a"));
  EXPECT_TRUE(check_key("chunks/ab/abcdef.sqlite"));
  EXPECT_TRUE(check_key("backups/2026-12-07T20:00:00Z/manifest.json"));
  EXPECT_TRUE(check_key(".hidden/x..y"));
}

TEST(BlobKey, RejectsEscapesAndOddPaths) {
  for (const char* k : {"", "/abs", "../x", "a/../b", "a/..", "..", ".", "a/./b", "a//b", "a/", "x\n",
                        ".ropekv-tmp/x", "a/.ropekv-y"}) {
    auto s = check_key(k);
    ASSERT_FALSE(s) << k;
    EXPECT_EQ(s.error().code, errc::invalid_argument) << k;
  }
  EXPECT_FALSE(check_key(std::string(1025, 'a')));
  EXPECT_TRUE(check_key(std::string(1024, 'a')));
}

TEST(BlobKey, Prefixes) {
  EXPECT_TRUE(check_prefix(""));
  EXPECT_TRUE(check_prefix("chunks/"));
  EXPECT_TRUE(check_prefix("chunks/ab"));
  EXPECT_FALSE(check_prefix("/chunks"));
  EXPECT_FALSE(check_prefix("../"));
  EXPECT_FALSE(check_prefix("a/.."));
  EXPECT_FALSE(check_prefix("a//"));
}

}  // namespace
}  // namespace ropekv::blob
