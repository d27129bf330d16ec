#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ropekv/notify/channel_registry.hpp"

namespace ropekv::notify {
namespace {

constexpr connection_id c1{1};
constexpr connection_id c2{2};
constexpr connection_id c3{3};

TEST(notify_channel_registry, join_members_leave) {
  channel_registry reg;
  EXPECT_EQ(reg.join("room", c2), join_outcome::joined);
  EXPECT_EQ(reg.join("room", c1), join_outcome::joined);
  EXPECT_EQ(reg.join("room", c1), join_outcome::already_member);
  EXPECT_EQ(reg.members("room"), (std::vector<connection_id>{c1, c2}));
  EXPECT_TRUE(reg.is_member("room", c1));
  EXPECT_EQ(reg.channel_count(), 1u);

  EXPECT_TRUE(reg.leave("room", c1));
  EXPECT_FALSE(reg.leave("room", c1));
  EXPECT_FALSE(reg.leave("other", c2));
  EXPECT_EQ(reg.members("room"), (std::vector<connection_id>{c2}));
  EXPECT_TRUE(reg.leave("room", c2));
  EXPECT_TRUE(reg.members("room").empty());
  EXPECT_EQ(reg.channel_count(), 0u);  // empty channels are forgotten
}

TEST(notify_channel_registry, channel_limit_per_connection) {
  channel_registry reg(2);
  EXPECT_EQ(reg.join("a", c1), join_outcome::joined);
  EXPECT_EQ(reg.join("b", c1), join_outcome::joined);
  EXPECT_EQ(reg.join("c", c1), join_outcome::too_many_channels);
  EXPECT_EQ(reg.join("a", c1), join_outcome::already_member);  // not a new channel
  EXPECT_FALSE(reg.is_member("c", c1));
  EXPECT_EQ(reg.join("c", c2), join_outcome::joined);  // the limit is per connection
  EXPECT_TRUE(reg.leave("a", c1));
  EXPECT_EQ(reg.join("c", c1), join_outcome::joined);
}

TEST(notify_channel_registry, zero_limit_refuses_and_leaves_no_trace) {
  channel_registry reg(0);
  EXPECT_EQ(reg.join("a", c1), join_outcome::too_many_channels);
  EXPECT_TRUE(reg.channels_of(c1).empty());
  EXPECT_EQ(reg.channel_count(), 0u);
}

TEST(notify_channel_registry, remove_connection_returns_channels_left) {
  channel_registry reg;
  ASSERT_EQ(reg.join("b", c1), join_outcome::joined);
  ASSERT_EQ(reg.join("a", c1), join_outcome::joined);
  ASSERT_EQ(reg.join("a", c2), join_outcome::joined);
  EXPECT_EQ(reg.channels_of(c1), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(reg.remove_connection(c1), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(reg.channels_of(c1).empty());
  EXPECT_EQ(reg.members("a"), (std::vector<connection_id>{c2}));
  EXPECT_TRUE(reg.members("b").empty());
  EXPECT_EQ(reg.channel_count(), 1u);
  EXPECT_TRUE(reg.remove_connection(c3).empty());
}

TEST(notify_channel_registry, binary_channel_names) {
  channel_registry reg;
  const std::string name("a\0b", 3);
  ASSERT_EQ(reg.join(name, c1), join_outcome::joined);
  EXPECT_FALSE(reg.is_member("a", c1));
  EXPECT_TRUE(reg.is_member(name, c1));
}

}  // namespace
}  // namespace ropekv::notify
