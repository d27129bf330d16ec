#include "ropekv/index/index_key.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace ropekv::index {
namespace {

TEST(IndexKey, NumbersSortNumericallyBytewise) {
  std::vector<double> v{-std::numeric_limits<double>::infinity(), -1e300, -10, -9, -1.5, -1e-300, 0,
                        1e-300, 1, 9, 10, 10.5, 1e15, 9007199254740993.0, 1e300,
                        std::numeric_limits<double>::infinity()};
  for (size_t i = 1; i < v.size(); ++i) {
    EXPECT_LT(encode_number(v[i - 1]), encode_number(v[i])) << v[i - 1] << " vs " << v[i];
  }
  for (double x : v) EXPECT_EQ(decode_number(encode_number(x)), x);
  EXPECT_EQ(encode_number(-0.0), encode_number(0.0));
}

TEST(IndexKey, QueryKeysCheckTheType) {
  EXPECT_EQ(*query_key(pb::INDEX_NUMBER, "9"), encode_number(9));
  EXPECT_EQ(*query_key(pb::INDEX_NUMBER, "-2.5e3"), encode_number(-2500));
  EXPECT_FALSE(query_key(pb::INDEX_NUMBER, "abc"));
  EXPECT_FALSE(query_key(pb::INDEX_NUMBER, "+1"));
  EXPECT_FALSE(query_key(pb::INDEX_NUMBER, "1e999"));
  EXPECT_FALSE(query_key(pb::INDEX_NUMBER, "1 2"));
  EXPECT_EQ(*query_key(pb::INDEX_STRING, "10"), "10");
  EXPECT_FALSE(query_key(pb::INDEX_STRING, std::string(max_index_value_bytes + 1, 'x')));
}

TEST(IndexKey, LocalIndexNumbersBeforeStrings) {
  EXPECT_LT(rk2_of_number(9), rk2_of_number(10));
  EXPECT_LT(rk2_of_number(1e300), rk2_of_string(""));
  EXPECT_EQ(rk2_bound("10"), rk2_of_number(10));
  EXPECT_EQ(rk2_bound("\"10\""), rk2_of_string("10"));
  EXPECT_EQ(rk2_bound("alice"), rk2_of_string("alice"));
}

}  // namespace
}  // namespace ropekv::index
