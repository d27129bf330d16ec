// leader_handoff: what a TRANSFER_LEADER answer means and which answers a
// stopping owner still waits for.
#include <gtest/gtest.h>

#include "leader_handoff.hpp"
#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {
namespace {

pb::AdminReply reply(errc code, uint64_t leader_hint) {
  pb::AdminReply r;
  r.mutable_status()->set_error_code(static_cast<uint32_t>(code));
  r.mutable_segment()->set_leader_hint(leader_hint);
  return r;
}

pb::AdminReply ok_reply(uint64_t leader_hint) {
  pb::AdminReply r;
  r.mutable_segment()->set_leader_hint(leader_hint);
  return r;
}

TEST(leader_handoff, ok_only_when_another_known_node_leads) {
  node_id self{1};
  EXPECT_EQ(classify_transfer(ok_reply(2), self), handoff_outcome::ok);
  EXPECT_EQ(classify_transfer(ok_reply(1), self), handoff_outcome::failed);  // still leads
  EXPECT_EQ(classify_transfer(ok_reply(0), self), handoff_outcome::failed);  // nobody known
}

TEST(leader_handoff, a_follower_has_nothing_to_hand_off) {
  EXPECT_EQ(classify_transfer(reply(errc::not_leader, 3), node_id{1}), handoff_outcome::not_leader);
  EXPECT_EQ(classify_transfer(reply(errc::not_leader, 0), node_id{1}), handoff_outcome::not_leader);
}

TEST(leader_handoff, other_errors_fail) {
  // c-raft timed out (the group elects after the close) or refused.
  EXPECT_EQ(classify_transfer(reply(errc::unavailable, 1), node_id{1}), handoff_outcome::failed);
  EXPECT_EQ(classify_transfer(reply(errc::wrong_segment, 0), node_id{1}), handoff_outcome::failed);
  EXPECT_STREQ(to_string(handoff_outcome::ok), "ok");
  EXPECT_STREQ(to_string(handoff_outcome::failed), "failed");
}

TEST(leader_handoff, done_once_every_expected_group_settled_once) {
  leader_handoff h;
  EXPECT_TRUE(h.done());  // nothing hosted: close at once
  h.expect(segment_id{7});
  h.expect(segment_id{9});
  h.expect(segment_id{7});  // asked twice: still one answer due
  EXPECT_EQ(h.pending(), 2u);
  EXPECT_FALSE(h.settle(segment_id{8}));  // never asked
  EXPECT_TRUE(h.settle(segment_id{9}));
  EXPECT_FALSE(h.settle(segment_id{9}));  // answer after the replica went down
  EXPECT_FALSE(h.done());
  ASSERT_EQ(h.pending_groups().size(), 1u);
  EXPECT_EQ(h.pending_groups()[0].value, 7u);
  EXPECT_TRUE(h.settle(segment_id{7}));
  EXPECT_TRUE(h.done());
}

}  // namespace
}  // namespace ropekv::segment_owner
