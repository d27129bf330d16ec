// leader_lease: which send time a peer's ack proves, and what voids it.
#include "ropekv/consensus/leader_lease.hpp"

#include <gtest/gtest.h>

namespace ropekv::consensus {
namespace {

constexpr uint64_t peer = 2;
constexpr uint64_t term = 7;

TEST(leader_lease, disabled_lease_proves_nothing) {
  leader_lease lease;
  auto h = lease.on_send(peer, 100, term, false);
  lease.on_append_result(peer, {1, h.seq}, term, term);
  EXPECT_FALSE(lease.usable(term));
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
}

TEST(leader_lease, an_ack_proves_the_send_time_of_the_message_it_names) {
  leader_lease lease(450);
  auto a = lease.on_send(peer, 100, term, false);
  auto b = lease.on_send(peer, 200, term, false);
  EXPECT_EQ(b.seq, a.seq + 1);
  EXPECT_TRUE(lease.usable(term));
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);  // nothing acked yet
  lease.on_append_result(peer, {1, a.seq}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 100u + 450u);
  lease.on_append_result(peer, {2, b.seq}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 200u + 450u);
  // A stale (reordered) ack never moves the proof backwards.
  lease.on_append_result(peer, {3, a.seq}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 200u + 450u);
}

TEST(leader_lease, lost_messages_only_skip_ahead) {
  leader_lease lease(450);
  lease.on_send(peer, 100, term, false);
  lease.on_send(peer, 150, term, false);
  auto third = lease.on_send(peer, 300, term, false);
  lease.on_append_result(peer, {1, third.seq}, term, term);  // the first two were lost
  EXPECT_EQ(lease.peer_expiry(peer, term), 300u + 450u);
}

TEST(leader_lease, results_of_another_term_are_not_credited) {
  leader_lease lease(450);
  auto h = lease.on_send(peer, 100, term, false);
  lease.on_append_result(peer, {1, h.seq}, term + 1, term);  // the peer moved on
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
  lease.on_append_result(peer, {1, h.seq}, term, 0);  // we no longer lead
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
}

TEST(leader_lease, messages_sent_as_follower_prove_nothing) {
  leader_lease lease(450);
  auto h = lease.on_send(peer, 100, 0, false);
  lease.on_append_result(peer, {1, h.seq}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
}

TEST(leader_lease, timeout_now_voids_the_rest_of_the_term) {
  leader_lease lease(450);
  auto h = lease.on_send(peer, 100, term, false);
  lease.on_append_result(peer, {1, h.seq}, term, term);
  EXPECT_TRUE(lease.usable(term));
  lease.on_send(peer, 120, term, true);
  EXPECT_FALSE(lease.usable(term));
  // A new term starts clean.
  auto n = lease.on_send(peer, 900, term + 1, false);
  EXPECT_TRUE(lease.usable(term + 1));
  EXPECT_EQ(lease.peer_expiry(peer, term + 1), 0u);
  lease.on_append_result(peer, {2, n.seq}, term + 1, term + 1);
  EXPECT_EQ(lease.peer_expiry(peer, term + 1), 900u + 450u);
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
}

TEST(leader_lease, acks_carry_the_highest_processed_seq) {
  leader_lease follower(450);
  EXPECT_EQ(follower.on_send(1, 0, 0, false).ack, 0u);
  follower.on_process(1, {5, 0});
  follower.on_process(1, {4, 0});  // reordered: the highest stays
  EXPECT_EQ(follower.on_send(1, 0, 0, false).ack, 5u);
  EXPECT_EQ(follower.on_send(3, 0, 0, false).ack, 0u);  // per peer
}

TEST(leader_lease, acks_from_another_incarnation_do_not_count) {
  leader_lease lease(450);
  lease.set_incarnation(2000);
  auto h = lease.on_send(peer, 100, term, false);
  EXPECT_EQ(h.incarnation, 2000u);
  // The peer still counts seqs of our previous life (incarnation 1000):
  // its ack of "seq 5" says nothing about what we sent now.
  lease.on_append_result(peer, {9, h.seq + 5, 0, 1000}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 0u);
  lease.on_append_result(peer, {10, h.seq, 0, 2000}, term, term);
  EXPECT_EQ(lease.peer_expiry(peer, term), 100u + 450u);
}

TEST(leader_lease, a_restarted_peer_is_counted_afresh) {
  leader_lease follower(450);
  follower.on_process(1, {900, 0, 7, 0});
  EXPECT_EQ(follower.on_send(1, 0, 0, false).ack, 900u);
  // The leader restarted: its seqs begin again in a new incarnation.
  follower.on_process(1, {3, 0, 8, 0});
  auto h = follower.on_send(1, 0, 0, false);
  EXPECT_EQ(h.ack, 3u);
  EXPECT_EQ(h.ack_incarnation, 8u);
}

}  // namespace
}  // namespace ropekv::consensus
