#include <gtest/gtest.h>

#include <memory>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv {
namespace {

result<int> half(int x) {
  if (x % 2) return make_error(errc::invalid_argument, "odd");
  return x / 2;
}

TEST(result, carries_value_or_error) {
  auto a = half(4);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, 2);
  auto b = half(3);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, errc::invalid_argument);
  EXPECT_EQ(b.error().message, "odd");
}

TEST(result, holds_move_only_values) {
  result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  auto p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(result, void_status) {
  status ok;
  EXPECT_TRUE(ok.ok());
  status bad = make_error(errc::not_found);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(to_string(bad.error().code), "not_found");
}

TEST(ids, are_distinct_ordered_types) {
  segment_id a{1}, b{2};
  EXPECT_LT(a, b);
  static_assert(!std::is_convertible_v<segment_id, node_id>);
}

}  // namespace
}  // namespace ropekv
