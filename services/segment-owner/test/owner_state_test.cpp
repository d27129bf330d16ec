// owner_state: forwarding decisions, assignments (new / existing / stale),
// drops, what probes reveal, membership steps of a move, heartbeat reports.
#include <gtest/gtest.h>

#include "owner_state.hpp"
#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {
namespace {

constexpr node_id self{2};

pb::SegmentAssignment assignment(uint64_t seg, uint64_t epoch, std::vector<uint64_t> replicas, bool bootstrap) {
  pb::SegmentAssignment a;
  a.mutable_segment()->set_id(seg);
  a.mutable_segment()->set_epoch(epoch);
  for (uint64_t r : replicas) {
    a.mutable_segment()->add_replicas(r);
    auto* p = a.add_peers();
    p->set_id(r);
    p->set_address("127.0.0.1:" + std::to_string(9000 + r));
  }
  a.set_bootstrap(bootstrap);
  return a;
}

pb::Routing routing(uint64_t seg, uint64_t epoch = 0) {
  pb::Routing r;
  r.set_segment_id(seg);
  r.set_epoch(epoch);
  return r;
}

pb::SegmentDescriptor seen(uint64_t seg, uint64_t epoch, std::vector<uint64_t> voters, uint64_t leader) {
  pb::SegmentDescriptor d;
  d.set_id(seg);
  d.set_epoch(epoch);
  for (uint64_t v : voters) d.add_replicas(v);
  d.set_leader_hint(leader);
  return d;
}

TEST(owner_state, forwards_only_to_running_replicas_it_hosts) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));

  auto ok = s.route_request(routing(10, 1), load_kind::read);
  EXPECT_EQ(ok.what, route::kind::forward);
  EXPECT_EQ(ok.group.value, 10u);
  EXPECT_FALSE(ok.clear_epoch);

  EXPECT_EQ(s.route_request(routing(11), load_kind::read).what, route::kind::wrong_segment);
  EXPECT_EQ(s.route_request(routing(0), load_kind::read).what, route::kind::wrong_segment);

  s.set_phase(segment_id{10}, replica_phase::reopening);
  EXPECT_EQ(s.route_request(routing(10), load_kind::write).what, route::kind::unavailable);
  s.set_phase(segment_id{10}, replica_phase::dropping);
  EXPECT_EQ(s.route_request(routing(10), load_kind::write).what, route::kind::wrong_segment);
}

TEST(owner_state, routes_envelopes_by_group_to_this_node_only) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", std::nullopt);
  pb::RaftEnvelope env;
  env.set_segment_id(10);
  env.set_to_node(self.value);
  EXPECT_EQ(s.route_envelope(env), segment_id{10});
  env.set_to_node(3);
  EXPECT_FALSE(s.route_envelope(env));  // misaddressed
  env.set_to_node(self.value);
  env.set_segment_id(99);
  EXPECT_FALSE(s.route_envelope(env));  // a group not hosted yet: dropped, Raft retries
}

TEST(owner_state, an_epoch_placement_assigned_is_not_held_against_the_replica) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, 1));
  // A move bumped the rope's epoch to 2; the replica's store still says 1.
  ASSERT_EQ(s.on_assignment(assignment(10, 2, {1, 2, 4}, false), true).what, assignment_decision::kind::update);
  auto r = s.route_request(routing(10, 2), load_kind::read);
  EXPECT_EQ(r.what, route::kind::forward);
  EXPECT_TRUE(r.clear_epoch);
  // An epoch placement never named here is the replica's to judge.
  EXPECT_FALSE(s.route_request(routing(10, 3), load_kind::read).clear_epoch);
}

TEST(owner_state, new_assignments_create_join_or_open) {
  using kind = assignment_decision::kind;
  owner_state s(self);
  auto created = s.on_assignment(assignment(10, 1, {1, 2, 3}, true), false);
  EXPECT_EQ(created.what, kind::create);
  ASSERT_NE(s.by_segment(10), nullptr);  // hosted at once: requests queue at the actor
  EXPECT_EQ(s.on_assignment(assignment(11, 4, {2, 5}, false), false).what, kind::join);
  EXPECT_EQ(s.on_assignment(assignment(12, 1, {1, 2, 3}, true), true).what, kind::open);  // state wins over bootstrap
  EXPECT_EQ(s.on_assignment(assignment(13, 1, {1, 3, 4}, true), false).what, kind::not_member);
  EXPECT_EQ(s.by_segment(13), nullptr);

  auto members = initial_members(assignment(10, 1, {1, 2, 3}, true));
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[2].id.value, 3u);
  EXPECT_EQ(members[2].address, "127.0.0.1:9003");
  EXPECT_EQ(members[2].role, segment::member_role::voter);
}

TEST(owner_state, a_hosted_segment_ignores_bootstrap_and_stale_epochs) {
  using kind = assignment_decision::kind;
  owner_state s(self);
  ASSERT_EQ(s.on_assignment(assignment(10, 1, {1, 2, 3}, true), false).what, kind::create);
  // Placement resends bootstrap=true after our re-registration: state exists.
  EXPECT_EQ(s.on_assignment(assignment(10, 1, {1, 2, 3}, true), true).what, kind::update);
  EXPECT_EQ(s.on_assignment(assignment(10, 3, {1, 2, 4}, false), true).what, kind::update);
  EXPECT_EQ(s.by_segment(10)->assigned_epoch, 3u);
  EXPECT_EQ(s.on_assignment(assignment(10, 2, {1, 2, 3}, false), true).what, kind::stale);
  EXPECT_EQ(s.by_segment(10)->assigned_epoch, 3u);
}

TEST(owner_state, drops_close_running_replicas_and_ignore_older_epochs) {
  using kind = drop_decision::kind;
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 3, {1, 2, 3}, false));
  pb::SegmentDrop old;
  old.set_segment_id(10);
  old.set_epoch(2);
  EXPECT_EQ(s.on_drop(old).what, kind::stale);
  pb::SegmentDrop drop;
  drop.set_segment_id(10);
  drop.set_epoch(3);
  EXPECT_EQ(s.on_drop(drop).what, kind::close);
  EXPECT_EQ(s.on_drop(drop).what, kind::already);  // placement repeats drops
  EXPECT_EQ(s.route_request(routing(10), load_kind::read).what, route::kind::wrong_segment);
  // A late assignment cannot resurrect it while it is being deleted.
  EXPECT_EQ(s.on_assignment(assignment(10, 3, {1, 2, 3}, false), true).what, assignment_decision::kind::dropping);
  pb::SegmentDrop unknown;
  unknown.set_segment_id(77);
  EXPECT_EQ(s.on_drop(unknown).what, kind::unknown);
}

TEST(owner_state, probes_reveal_leaders_splits_and_finished_moves) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  auto first = s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, 1));
  EXPECT_TRUE(first.leader_changed);
  EXPECT_EQ(first.leader.value, 1u);
  EXPECT_FALSE(s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, 1)).leader_changed);
  auto elected = s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, 2));
  EXPECT_TRUE(elected.leader_changed);
  EXPECT_EQ(elected.previous_leader.value, 1u);

  // A split gave the left half a new id; requests for it now reach the group.
  auto split = s.on_probe(segment_id{10}, seen(21, 2, {1, 2, 3}, 2));
  EXPECT_TRUE(split.renamed);
  EXPECT_EQ(split.previous_segment, 10u);
  EXPECT_EQ(s.route_request(routing(21), load_kind::read).group.value, 10u);
  EXPECT_EQ(s.route_request(routing(10), load_kind::read).what, route::kind::wrong_segment);
}

TEST(owner_state, a_move_is_adopted_once_the_configuration_matches) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, 2));
  ASSERT_EQ(s.on_assignment(assignment(10, 2, {2, 3, 4}, false), true).what, assignment_decision::kind::update);
  EXPECT_EQ(owner_state::reported_epoch(*s.by_group(segment_id{10})), 1u);  // not done yet
  EXPECT_FALSE(s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3, 4}, 2)).adopted);
  auto done = s.on_probe(segment_id{10}, seen(10, 1, {2, 3, 4}, 2));
  EXPECT_TRUE(done.adopted);
  EXPECT_EQ(done.adopted_epoch, 2u);
  EXPECT_EQ(owner_state::reported_epoch(*s.by_group(segment_id{10})), 2u);
}

TEST(owner_state, the_leader_walks_a_move_add_promote_remove) {
  owner_state s(self);
  const segment_id g{10};
  s.host(g, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  s.on_probe(g, seen(10, 1, {1, 2, 3}, self.value));
  EXPECT_FALSE(s.next_membership_step(g));  // bootstrap config: nothing to move
  ASSERT_EQ(s.on_assignment(assignment(10, 2, {2, 3, 4}, false), true).what, assignment_decision::kind::update);

  auto add = s.next_membership_step(g);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->op(), pb::MembershipRequest::ADD_NONVOTER);
  EXPECT_EQ(add->node_id(), 4u);
  EXPECT_EQ(add->address(), "127.0.0.1:9004");
  EXPECT_EQ(add->routing().segment_id(), 10u);
  EXPECT_FALSE(s.next_membership_step(g));  // one step in flight at a time
  pb::AdminReply ok;
  *ok.mutable_segment() = seen(10, 1, {1, 2, 3}, self.value);
  s.on_membership_reply(g, *add, ok);

  auto promote = s.next_membership_step(g);
  ASSERT_TRUE(promote);
  EXPECT_EQ(promote->op(), pb::MembershipRequest::PROMOTE);
  *ok.mutable_segment() = seen(10, 1, {1, 2, 3, 4}, self.value);
  s.on_membership_reply(g, *promote, ok);

  auto remove = s.next_membership_step(g);
  ASSERT_TRUE(remove);
  EXPECT_EQ(remove->op(), pb::MembershipRequest::REMOVE);
  EXPECT_EQ(remove->node_id(), 1u);
  *ok.mutable_segment() = seen(10, 1, {2, 3, 4}, self.value);
  s.on_membership_reply(g, *remove, ok);
  EXPECT_FALSE(s.next_membership_step(g));

  // A follower's owner never steps.
  owner_state f(node_id{3});
  f.host(g, "/d/10.db", assignment(10, 2, {2, 3, 4}, false));
  f.on_probe(g, seen(10, 1, {1, 2, 3}, self.value));
  EXPECT_FALSE(f.next_membership_step(g));
}

TEST(owner_state, a_transient_refusal_retries_the_same_step) {
  owner_state s(self);
  const segment_id g{10};
  s.host(g, "/d/10.db", assignment(10, 2, {2, 3, 4}, false));
  s.on_probe(g, seen(10, 1, {1, 2, 3}, self.value));
  auto add = s.next_membership_step(g);
  ASSERT_TRUE(add);
  pb::AdminReply busy;
  busy.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
  s.on_membership_reply(g, *add, busy);
  auto again = s.next_membership_step(g);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->op(), pb::MembershipRequest::ADD_NONVOTER);
}

TEST(owner_state, heartbeats_report_every_running_replica_with_its_load) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  s.host(segment_id{11}, "/d/11.db", assignment(11, 1, {1, 2, 3}, true));
  s.host(segment_id{12}, "/d/12.db", assignment(12, 1, {1, 2, 3}, true));
  s.set_phase(segment_id{12}, replica_phase::dropping);
  s.on_probe(segment_id{10}, seen(10, 1, {1, 2, 3}, self.value));
  s.on_probe(segment_id{11}, seen(11, 1, {1, 2, 3}, 1));
  for (int i = 0; i < 6; ++i) (void)s.route_request(routing(10), load_kind::read);
  for (int i = 0; i < 4; ++i) (void)s.route_request(routing(10), load_kind::write);

  auto hb = s.heartbeat(std::chrono::seconds(2), [](const std::string& path) { return path == "/d/10.db" ? 4096u : 0u; });
  EXPECT_EQ(hb.node_id(), self.value);
  ASSERT_EQ(hb.segments_size(), 2);  // the dropping one is not reported
  const auto& a = hb.segments(0);
  EXPECT_EQ(a.segment_id(), 10u);
  EXPECT_EQ(a.epoch(), 1u);
  EXPECT_TRUE(a.is_leader());
  EXPECT_EQ(a.stats().bytes(), 4096u);
  EXPECT_DOUBLE_EQ(a.stats().reads_per_s(), 3.0);
  EXPECT_DOUBLE_EQ(a.stats().writes_per_s(), 2.0);
  EXPECT_FALSE(hb.segments(1).is_leader());

  auto next = s.heartbeat(std::chrono::seconds(1), nullptr);  // counters start over
  EXPECT_DOUBLE_EQ(next.segments(0).stats().reads_per_s(), 0.0);
}

TEST(owner_state, a_leaders_probe_measures_size_and_a_split_starts_the_measures_over) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  auto led = seen(10, 1, {1, 2, 3}, self.value);
  led.set_start_key("a");
  led.set_end_key("m");
  led.mutable_stats()->set_items(42);
  led.mutable_stats()->set_bytes(9000);
  s.on_probe(segment_id{10}, led);
  const hosted_replica* r = s.by_group(segment_id{10});
  EXPECT_TRUE(r->measured);
  EXPECT_EQ(r->items, 42u);
  EXPECT_EQ(r->logical_bytes, 9000u);
  EXPECT_EQ(r->start_key, "a");
  EXPECT_EQ(r->end_key, "m");
  for (int i = 0; i < 5; ++i) (void)s.route_request(routing(10), load_kind::read);
  EXPECT_EQ(s.heartbeat(std::chrono::seconds(1), nullptr).segments(0).stats().items(), 42u);

  // Load is metered for the split decisions (decayed), apart from the
  // heartbeat's counters.
  hosted_replica* w = s.by_group(segment_id{10});
  std::chrono::steady_clock::time_point t0{};
  w->load.decay(t0, std::chrono::milliseconds(1000));
  for (int i = 0; i < 100; ++i) (void)s.route_request(routing(10), load_kind::write);
  w->load.decay(t0 + std::chrono::seconds(1), std::chrono::milliseconds(1000));
  EXPECT_GT(w->load.writes_per_s(), 50);

  // The split applied: the group is the left half now, renamed; its load
  // and size are measured afresh.
  auto left = seen(20, 2, {1, 2, 3}, self.value);
  left.set_start_key("a");
  left.set_end_key("f");
  s.on_probe(segment_id{10}, left);
  r = s.by_group(segment_id{10});
  EXPECT_EQ(r->segment, segment_id{20});
  EXPECT_FALSE(r->measured);  // no stats in that probe
  EXPECT_EQ(r->load.ops_per_s(), 0);
  EXPECT_EQ(r->end_key, "f");

  // A follower's figures are never used.
  auto follower = seen(20, 2, {1, 2, 3}, 1);
  follower.mutable_stats()->set_items(7);
  s.on_probe(segment_id{10}, follower);
  EXPECT_FALSE(s.by_group(segment_id{10})->measured);
  EXPECT_EQ(s.heartbeat(std::chrono::seconds(1), nullptr).segments(0).stats().items(), 0u);
}

TEST(owner_state, peers_are_every_other_node_of_hosted_groups) {
  owner_state s(self);
  s.host(segment_id{10}, "/d/10.db", assignment(10, 1, {1, 2, 3}, true));
  s.host(segment_id{11}, "/d/11.db", assignment(11, 1, {2, 4, 5}, true));
  s.on_probe(segment_id{11}, seen(11, 1, {2, 4, 6}, 4));  // a member the assignment no longer names
  EXPECT_EQ(s.peers(), (std::set<node_id>{node_id{1}, node_id{3}, node_id{4}, node_id{5}, node_id{6}}));
}

}  // namespace
}  // namespace ropekv::segment_owner
