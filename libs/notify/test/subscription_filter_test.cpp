#include <gtest/gtest.h>

#include <string>

#include "ropekv/notify/subscription_filter.hpp"

namespace ropekv::notify {
namespace {

constexpr table_id t1{1};
constexpr table_id t2{2};

TEST(notify_subscription_filter, whole_table_matches_every_key_of_its_table_only) {
  subscription_filter f(t1);
  EXPECT_EQ(f.scope(), key_scope::any);
  EXPECT_TRUE(f.matches(t1, "anything", event_kind::create));
  EXPECT_TRUE(f.matches(t1, "", event_kind::remove));
  EXPECT_FALSE(f.matches(t2, "anything", event_kind::create));
}

TEST(notify_subscription_filter, prefix_matches_bytewise) {
  auto f = subscription_filter::with_prefix(t1, "ab");
  EXPECT_TRUE(f.matches(t1, "ab", event_kind::update));
  EXPECT_TRUE(f.matches(t1, "abc", event_kind::update));
  EXPECT_FALSE(f.matches(t1, "a", event_kind::update));
  EXPECT_FALSE(f.matches(t1, "ba", event_kind::update));
  EXPECT_FALSE(f.matches(t1, "AB", event_kind::update));
}

TEST(notify_subscription_filter, prefix_with_binary_bytes) {
  const std::string prefix("\x00\xff", 2);
  auto f = subscription_filter::with_prefix(t1, prefix);
  EXPECT_TRUE(f.matches(t1, std::string("\x00\xff\x01", 3), event_kind::create));
  EXPECT_FALSE(f.matches(t1, std::string("\x00\xfe", 2), event_kind::create));
  EXPECT_FALSE(f.matches(t1, "", event_kind::create));
}

TEST(notify_subscription_filter, empty_prefix_is_the_whole_table) {
  auto f = subscription_filter::with_prefix(t1, "");
  EXPECT_EQ(f.scope(), key_scope::any);
  EXPECT_TRUE(f.matches(t1, "x", event_kind::create));
}

TEST(notify_subscription_filter, exact_key) {
  auto f = subscription_filter::with_hash_key(t1, "k");
  EXPECT_TRUE(f.matches(t1, "k", event_kind::create));
  EXPECT_FALSE(f.matches(t1, "k2", event_kind::create));
  EXPECT_FALSE(f.matches(t1, "", event_kind::create));
}

TEST(notify_subscription_filter, kinds_filter) {
  event_kind_set kinds;
  kinds.insert(event_kind::remove).insert(event_kind::expired);
  subscription_filter f(t1, kinds);
  EXPECT_FALSE(f.matches(t1, "k", event_kind::create));
  EXPECT_FALSE(f.matches(t1, "k", event_kind::update));
  EXPECT_TRUE(f.matches(t1, "k", event_kind::remove));
  EXPECT_TRUE(f.matches(t1, "k", event_kind::expired));
  EXPECT_FALSE(f.matches(t1, {}, event_kind::rollback));
}

TEST(notify_subscription_filter, rollback_ignores_the_key_scope) {
  auto exact = subscription_filter::with_hash_key(t1, "k");
  auto prefix = subscription_filter::with_prefix(t1, "ab");
  EXPECT_TRUE(exact.matches(t1, {}, event_kind::rollback));
  EXPECT_TRUE(prefix.matches(t1, {}, event_kind::rollback));
  EXPECT_TRUE(prefix.matches(t1, "zz", event_kind::rollback));
  EXPECT_FALSE(exact.matches(t2, {}, event_kind::rollback));
  event_kind_set no_rollback;
  no_rollback.insert(event_kind::create);
  EXPECT_FALSE(subscription_filter::with_hash_key(t1, "k", no_rollback)
                   .matches(t1, {}, event_kind::rollback));
}

}  // namespace
}  // namespace ropekv::notify
