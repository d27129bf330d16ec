#include <gtest/gtest.h>

#include <string>

#include "ropekv/notify/outbound_queue.hpp"

namespace ropekv::notify {
namespace {

TEST(notify_outbound_queue, fifo_and_byte_accounting) {
  outbound_queue q(100);
  EXPECT_TRUE(q.empty());
  EXPECT_TRUE(q.push("abc"));
  EXPECT_TRUE(q.push("de"));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 5u);
  EXPECT_EQ(q.front(), "abc");
  EXPECT_EQ(q.pop(), "abc");
  EXPECT_EQ(q.bytes(), 2u);
  EXPECT_EQ(q.pop(), "de");
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(notify_outbound_queue, push_refuses_beyond_budget_and_keeps_state) {
  outbound_queue q(10);
  EXPECT_TRUE(q.push(std::string(6, 'a')));
  EXPECT_TRUE(q.push(std::string(4, 'b')));  // exactly at budget
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_FALSE(q.push("c"));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_TRUE(q.push(""));  // an empty frame costs nothing
  q.pop();
  EXPECT_TRUE(q.push("c"));
  EXPECT_EQ(q.bytes(), 5u);
}

TEST(notify_outbound_queue, a_frame_bigger_than_the_budget_never_fits) {
  outbound_queue q(4);
  EXPECT_FALSE(q.push("12345"));
  EXPECT_TRUE(q.empty());
}

TEST(notify_outbound_queue, unbudgeted_push_goes_over_and_blocks_budgeted_ones) {
  outbound_queue q(4);
  EXPECT_TRUE(q.push("1234"));
  q.push_unbudgeted("final frame");
  EXPECT_EQ(q.bytes(), 15u);
  EXPECT_FALSE(q.push("x"));
  EXPECT_EQ(q.pop(), "1234");
  EXPECT_EQ(q.pop(), "final frame");
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(notify_outbound_queue, front_reference_survives_pushes) {
  outbound_queue q(1 << 20);
  ASSERT_TRUE(q.push("first"));
  const std::string& front = q.front();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.push(std::string(100, 'x')));
  EXPECT_EQ(front, "first");
  EXPECT_EQ(&front, &q.front());
}

TEST(notify_outbound_queue, clear_resets_bytes) {
  outbound_queue q(100);
  ASSERT_TRUE(q.push("abc"));
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
  EXPECT_EQ(q.budget(), 100u);
}

}  // namespace
}  // namespace ropekv::notify
