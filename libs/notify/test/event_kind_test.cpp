#include <gtest/gtest.h>

#include "ropekv/notify/event_kind.hpp"

namespace ropekv::notify {
namespace {

TEST(notify_event_kind, wire_names_round_trip) {
  for (auto k : {event_kind::create, event_kind::update, event_kind::remove, event_kind::expired,
                 event_kind::rollback}) {
    auto back = event_kind_from_string(to_string(k));
    ASSERT_TRUE(back.has_value()) << to_string(k);
    EXPECT_EQ(*back, k);
  }
  EXPECT_EQ(to_string(event_kind::remove), "delete");
}

TEST(notify_event_kind, unknown_names_are_rejected) {
  EXPECT_FALSE(event_kind_from_string("remove"));
  EXPECT_FALSE(event_kind_from_string("Create"));
  EXPECT_FALSE(event_kind_from_string(""));
}

TEST(notify_event_kind_set, all_and_insert) {
  event_kind_set none;
  EXPECT_TRUE(none.empty());
  auto all = event_kind_set::all();
  for (auto k : {event_kind::create, event_kind::update, event_kind::remove, event_kind::expired,
                 event_kind::rollback})
    EXPECT_TRUE(all.contains(k));
  event_kind_set some;
  some.insert(event_kind::update).insert(event_kind::rollback);
  EXPECT_TRUE(some.contains(event_kind::update));
  EXPECT_TRUE(some.contains(event_kind::rollback));
  EXPECT_FALSE(some.contains(event_kind::create));
  EXPECT_NE(some, all);
}

}  // namespace
}  // namespace ropekv::notify
