// segment_replica request handling through consensus: writes, conditions,
// reads of every kind, typed errors, read batching, TTL sweep, change feed.
#include <optional>
#include <gtest/gtest.h>

#include "ropekv/consensus/replica.hpp"
#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

constexpr uint64_t seg = 10;

store::segment_meta whole() { return store::segment_meta{seg, "", "", 1}; }

class requests : public ::testing::Test {
 protected:
  void SetUp() override {
    c.create_group(whole());
    auto l = c.wait_leader(seg);
    ASSERT_TRUE(l.has_value());
    leader = *l;
    follower = (leader + 1) % c.size();
  }
  sim_cluster c;
  unsigned leader = 0;
  unsigned follower = 0;
};

TEST_F(requests, put_get_delete_through_consensus) {
  auto w = c.write(leader, seg, put_req("alice", R"({"n":1})"));
  ASSERT_EQ(w.status().error_code(), 0u) << w.status().message();
  EXPECT_GT(w.result().version(), 0u);
  auto g = c.get(leader, seg, get_req("alice"));
  ASSERT_EQ(g.status().error_code(), 0u) << g.status().message();
  EXPECT_EQ(g.item().value(), R"({"n":1})");
  EXPECT_EQ(g.item().version(), w.result().version());

  auto d = c.write(leader, seg, del_req("alice"));
  ASSERT_EQ(d.status().error_code(), 0u);
  EXPECT_TRUE(d.result().had_previous());
  g = c.get(leader, seg, get_req("alice"));
  EXPECT_EQ(code(g.status()), errc::not_found);

  ASSERT_TRUE(c.settle(seg));
  EXPECT_TRUE(c.converged(seg));
}

TEST_F(requests, conditions_are_evaluated_by_apply) {
  auto a = c.write(leader, seg, put_cond("k", "1", pb::COND_IF_ABSENT));
  ASSERT_EQ(a.status().error_code(), 0u);
  auto b = c.write(leader, seg, put_cond("k", "2", pb::COND_IF_ABSENT));
  EXPECT_EQ(code(b.status()), errc::condition_failed);
  auto wrong = c.write(leader, seg, put_cond("k", "3", pb::COND_IF_VERSION, a.result().version() + 1));
  EXPECT_EQ(code(wrong.status()), errc::condition_failed);
  auto right = c.write(leader, seg, put_cond("k", "4", pb::COND_IF_VERSION, a.result().version()));
  EXPECT_EQ(right.status().error_code(), 0u);
  auto missing = c.write(leader, seg, put_cond("nobody", "5", pb::COND_IF_EXISTS));
  EXPECT_EQ(code(missing.status()), errc::condition_failed);
  auto del_missing = c.write(leader, seg, del_req("nobody", pb::COND_IF_EXISTS));
  EXPECT_EQ(code(del_missing.status()), errc::condition_failed);
  EXPECT_EQ(c.get(leader, seg, get_req("k")).item().value(), "4");
}

TEST_F(requests, range_scan_and_partition) {
  for (const char* rk : {"c", "a", "b"}) {
    ASSERT_EQ(c.write(leader, seg, put_req("user", std::string("v") + rk, rk)).status().error_code(), 0u);
  }
  ASSERT_EQ(c.write(leader, seg, put_req("other", "x")).status().error_code(), 0u);
  pb::RangeRequest rq;
  rq.set_table_id(table);
  rq.set_hash_key("user");
  auto r = c.range(leader, seg, rq);
  ASSERT_EQ(r.status().error_code(), 0u) << r.status().message();
  ASSERT_EQ(r.items_size(), 3);
  EXPECT_EQ(r.items(0).range_key(), "a");
  EXPECT_EQ(r.items(2).range_key(), "c");

  pb::ScanRequest sq;
  auto s = c.scan(leader, seg, sq);
  ASSERT_EQ(s.status().error_code(), 0u);
  EXPECT_EQ(s.items_size(), 4);

  pb::PartitionRequest pq;
  pq.set_table_id(table);
  pq.set_partition(keys::partition_of("user"));
  auto p = c.partition(leader, seg, pq);
  ASSERT_EQ(p.status().error_code(), 0u);
  EXPECT_GE(p.items(), 3u);
}

TEST_F(requests, rollback_goes_through_the_log) {
  auto v1 = c.write(leader, seg, put_req("r", "one"));
  ASSERT_EQ(v1.status().error_code(), 0u);
  ASSERT_EQ(c.write(leader, seg, put_req("r", "two")).status().error_code(), 0u);
  pb::WriteRequest rb;
  rb.mutable_mutation()->mutable_rollback()->set_table_id(table);
  rb.mutable_mutation()->mutable_rollback()->set_partition(keys::partition_of("r"));
  rb.mutable_mutation()->mutable_rollback()->set_to_version(v1.result().version());
  ASSERT_EQ(c.write(leader, seg, rb).status().error_code(), 0u);
  EXPECT_EQ(c.get(leader, seg, get_req("r")).item().value(), "one");
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.get(follower, seg, get_req("r", pb::EVENTUAL)).item().value(), "one");
  EXPECT_TRUE(c.converged(seg));
}

TEST_F(requests, followers_answer_not_leader_with_a_hint) {
  // Followers learn who leads from the leader's first append.
  ASSERT_TRUE(c.run_until([&] { return c.replica(follower, seg)->leader_hint() == c.id(leader); }, 1000));
  auto w = c.write(follower, seg, put_req("k", "v"));
  EXPECT_EQ(code(w.status()), errc::not_leader);
  EXPECT_EQ(w.status().leader_hint(), c.id(leader).value) << w.status().message();
  auto g = c.get(follower, seg, get_req("k"));
  EXPECT_EQ(code(g.status()), errc::not_leader);
  EXPECT_EQ(g.status().leader_hint(), c.id(leader).value);
}

TEST_F(requests, eventual_reads_come_from_local_state) {
  ASSERT_EQ(c.write(leader, seg, put_req("k", "old")).status().error_code(), 0u);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.get(follower, seg, get_req("k", pb::EVENTUAL)).item().value(), "old");
  // A cut-off follower keeps answering EVENTUAL reads, with what it has.
  c.net().isolate(c.id(follower));
  ASSERT_EQ(c.write(leader, seg, put_req("k", "new")).status().error_code(), 0u);
  EXPECT_EQ(c.get(follower, seg, get_req("k", pb::EVENTUAL)).item().value(), "old");
  EXPECT_EQ(c.get(leader, seg, get_req("k")).item().value(), "new");
  c.net().heal_all();
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.get(follower, seg, get_req("k", pb::EVENTUAL)).item().value(), "new");
}

TEST_F(requests, concurrent_strong_reads_share_one_barrier) {
  ASSERT_EQ(c.write(leader, seg, put_req("k", "v")).status().error_code(), 0u);
  auto* r = c.replica(leader, seg);
  uint64_t before = r->stats().read_barriers;
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    r->get(get_req("k"), [&](pb::GetReply rep) {
      EXPECT_EQ(rep.item().value(), "v");
      ++answered;
    });
  }
  ASSERT_TRUE(c.run_until([&] { return answered == 10; }, 2000));
  EXPECT_EQ(r->stats().read_barriers, before + 1);
}

TEST_F(requests, keys_outside_the_segment_or_stale_routing_get_wrong_segment) {
  // A second group covering only [key_of("m"), +inf).
  constexpr uint64_t half = 20;
  c.create_group(store::segment_meta{half, key_of("m"), "", 4});
  auto l = c.wait_leader(half);
  ASSERT_TRUE(l.has_value());
  std::string below;
  for (char ch = 'a'; ch <= 'z' && below.empty(); ++ch) {
    if (key_of(std::string(1, ch)) < key_of("m")) below = std::string(1, ch);
  }
  ASSERT_FALSE(below.empty());
  EXPECT_EQ(code(c.write(*l, half, put_req(below, "v")).status()), errc::wrong_segment);
  EXPECT_EQ(code(c.get(*l, half, get_req(below)).status()), errc::wrong_segment);
  auto routed = put_req("m", "v");
  routed.mutable_routing()->set_segment_id(half);
  routed.mutable_routing()->set_epoch(3);  // stale epoch
  EXPECT_EQ(code(c.write(*l, half, routed).status()), errc::wrong_segment);
  routed.mutable_routing()->set_epoch(4);
  routed.mutable_routing()->set_segment_id(seg);  // another segment's id
  EXPECT_EQ(code(c.write(*l, half, routed).status()), errc::wrong_segment);
  routed.mutable_routing()->set_segment_id(half);
  EXPECT_EQ(c.write(*l, half, routed).status().error_code(), 0u);
}

TEST_F(requests, ttl_sweep_expires_through_consensus) {
  auto req = put_req("ttl", "v");
  int64_t expires_ms = c.now_us() / 1000 + 500;
  req.mutable_mutation()->mutable_put()->mutable_item()->set_expires_at_ms(expires_ms);
  ASSERT_EQ(c.write(leader, seg, req).status().error_code(), 0u);
  EXPECT_EQ(c.get(leader, seg, get_req("ttl")).status().error_code(), 0u);
  c.step(600);
  EXPECT_EQ(code(c.get(leader, seg, get_req("ttl")).status()), errc::not_found);  // invisible at once
  ASSERT_TRUE(c.run_until([&] { return c.replica(leader, seg)->stats().sweep_proposals > 0; }, 3000));
  ASSERT_TRUE(c.settle(seg));
  for (unsigned i = 0; i < c.size(); ++i) {
    pb::ChangesRequest cr;
    cr.set_consistency(pb::EVENTUAL);
    auto feed = c.changes(i, seg, cr);
    ASSERT_EQ(feed.status().error_code(), 0u);
    bool expired = false;
    for (const auto& e : feed.events()) expired = expired || e.kind() == pb::CHANGE_EXPIRED;
    EXPECT_TRUE(expired) << "node " << i;
  }
  EXPECT_TRUE(c.converged(seg));
}

TEST_F(requests, change_feed_lists_writes_in_order) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("f" + std::to_string(i), "v")).status().error_code(), 0u);
  }
  pb::ChangesRequest cr;
  auto all = c.changes(leader, seg, cr);
  ASSERT_EQ(all.status().error_code(), 0u);
  ASSERT_EQ(all.events_size(), 5);
  for (int i = 1; i < 5; ++i) EXPECT_GT(all.events(i).position(), all.events(i - 1).position());
  cr.set_after_position(all.events(2).position());
  EXPECT_EQ(c.changes(leader, seg, cr).events_size(), 2);
  EXPECT_EQ(all.last_position(), all.events(4).position());
}

// A feed long poll is held until something applies past its position, or
// until its wait runs out, and followers report the leader's positions.
TEST_F(requests, feed_long_poll_answers_when_a_write_applies_or_the_wait_ends) {
  ASSERT_EQ(c.write(leader, seg, put_req("lp0", "v")).status().error_code(), 0u);
  ASSERT_TRUE(c.settle(seg));
  unsigned follower = (leader + 1) % c.size();
  pb::ChangesRequest cr;
  cr.set_consistency(pb::EVENTUAL);
  auto first = c.changes(follower, seg, cr);
  ASSERT_EQ(first.events_size(), 1);
  EXPECT_EQ(first.events(0).position(), c.changes(leader, seg, cr).events(0).position());
  cr.set_after_position(first.last_position());
  cr.set_wait_ms(5000);
  std::optional<pb::ChangesReply> got;
  c.replica(follower, seg)->changes(cr, [&](pb::ChangesReply r) { got = std::move(r); });
  c.step(50);
  EXPECT_FALSE(got) << "answered with nothing new";
  ASSERT_EQ(c.write(leader, seg, put_req("lp1", "v")).status().error_code(), 0u);
  ASSERT_TRUE(c.run_until([&] { return got.has_value(); }, 2000));
  ASSERT_EQ(got->status().error_code(), 0u);
  ASSERT_EQ(got->events_size(), 1);
  EXPECT_EQ(got->events(0).item().hash_key(), "lp1");
  EXPECT_EQ(got->events(0).kind(), pb::CHANGE_CREATE);
  // Nothing new: answered empty once the wait is over.
  cr.set_after_position(got->last_position());
  cr.set_wait_ms(200);
  got.reset();
  c.replica(follower, seg)->changes(cr, [&](pb::ChangesReply r) { got = std::move(r); });
  ASSERT_TRUE(c.run_until([&] { return got.has_value(); }, 2000));
  EXPECT_EQ(got->status().error_code(), 0u);
  EXPECT_EQ(got->events_size(), 0);
}

// Snapshot scans for a reader that scans, then tails the feed: the
// replica picks its last position, later pages read at it on any replica
// whatever was written since, and a replica behind it answers unavailable.
TEST_F(requests, snapshot_scans_read_at_one_position_across_pages_and_replicas) {
  pb::ScanRequest sq;
  sq.set_consistency(pb::EVENTUAL);
  sq.set_snapshot(true);
  auto empty = c.scan(follower, seg, sq);
  ASSERT_EQ(empty.status().error_code(), 0u) << empty.status().message();
  EXPECT_EQ(empty.position(), 0u);
  EXPECT_EQ(empty.items_size(), 0);
  EXPECT_TRUE(empty.next_cursor().empty());

  auto v0 = c.write(leader, seg, put_req("s0", "old"));
  ASSERT_EQ(v0.status().error_code(), 0u);
  for (int i = 1; i < 6; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("s" + std::to_string(i), "old")).status().error_code(), 0u);
  }
  ASSERT_TRUE(c.settle(seg));
  sq.set_limit(2);
  auto first = c.scan(follower, seg, sq);
  ASSERT_EQ(first.status().error_code(), 0u) << first.status().message();
  pb::ChangesRequest cr;
  cr.set_consistency(pb::EVENTUAL);
  EXPECT_EQ(first.position(), c.changes(follower, seg, cr).last_position());
  ASSERT_FALSE(first.next_cursor().empty());
  uint64_t p = first.position();

  // Overwrite everything, delete one and roll one partition back past p.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("s" + std::to_string(i), "new")).status().error_code(), 0u);
  }
  ASSERT_EQ(c.write(leader, seg, del_req("s5")).status().error_code(), 0u);
  pb::WriteRequest rb;
  rb.mutable_mutation()->mutable_rollback()->set_table_id(table);
  rb.mutable_mutation()->mutable_rollback()->set_partition(keys::partition_of("s0"));
  rb.mutable_mutation()->mutable_rollback()->set_to_version(v0.result().version() - 1);
  ASSERT_EQ(c.write(leader, seg, rb).status().error_code(), 0u);
  ASSERT_TRUE(c.settle(seg));

  // A later page without its position is refused.
  pb::ScanRequest next = sq;
  next.set_cursor(first.next_cursor());
  EXPECT_EQ(code(c.scan(leader, seg, next).status()), errc::invalid_argument);

  std::vector<std::string> seen;
  for (const auto& it : first.items()) seen.push_back(it.hash_key() + "=" + it.value());
  next.set_snapshot(false);
  next.set_at_position(p);
  for (unsigned page = 0; !next.cursor().empty(); ++page) {
    auto r = c.scan(page % 2 == 0 ? leader : follower, seg, next);  // any replica
    ASSERT_EQ(r.status().error_code(), 0u) << r.status().message();
    EXPECT_EQ(r.position(), p);
    for (const auto& it : r.items()) seen.push_back(it.hash_key() + "=" + it.value());
    next.set_cursor(r.next_cursor());
  }
  ASSERT_EQ(seen.size(), 6u);
  for (const auto& s : seen) EXPECT_EQ(s.substr(s.find('=')), "=old") << s;

  // The latest state differs; plain scans (STRONG) read it as before.
  pb::ScanRequest latest;
  auto now = c.scan(leader, seg, latest);
  ASSERT_EQ(now.status().error_code(), 0u);
  EXPECT_EQ(now.position(), 0u);
  EXPECT_LT(now.items_size(), 6);
  for (const auto& it : now.items()) EXPECT_EQ(it.value(), "new") << it.hash_key();

  // A cut-off follower has not applied the leader's last position yet.
  c.net().isolate(c.id(follower));
  ASSERT_EQ(c.write(leader, seg, put_req("late", "v")).status().error_code(), 0u);
  pb::ScanRequest ahead;
  ahead.set_consistency(pb::EVENTUAL);
  ahead.set_at_position(c.changes(leader, seg, cr).last_position());
  EXPECT_EQ(code(c.scan(follower, seg, ahead).status()), errc::unavailable);
  auto at_leader = c.scan(leader, seg, ahead);
  ASSERT_EQ(at_leader.status().error_code(), 0u);
  EXPECT_EQ(at_leader.position(), ahead.at_position());
  c.net().heal_all();
  ASSERT_TRUE(c.settle(seg));
  EXPECT_EQ(c.scan(follower, seg, ahead).status().error_code(), 0u);
}

TEST_F(requests, clients_cannot_propose_splits_or_expires_as_writes) {
  pb::WriteRequest bad;
  bad.mutable_mutation()->mutable_split()->set_at_key("x");
  EXPECT_EQ(code(c.write(leader, seg, bad).status()), errc::invalid_argument);
}

}  // namespace
}  // namespace ropekv::segment::test

namespace ropekv::segment::test {
namespace {

// A two-phase transaction's steps go through the log like any write; until
// it is resolved, reads of its items (strong or eventual, single or range)
// answer locked with the lock, and the leader lists the lock for resolvers.
TEST_F(requests, transaction_locks_block_reads_until_resolved) {
  pb::WriteRequest prep = put_req("acct", R"({"n":1})");
  pb::TxnOp op;
  *op.mutable_put() = prep.mutation().put();
  prep.mutable_mutation()->clear_put();
  auto* p = prep.mutable_mutation()->mutable_txn_prepare();
  p->set_txn_id("t1");
  p->set_primary(true);
  p->set_primary_key("pk");
  *p->add_ops() = op;
  auto w = c.write(leader, seg, prep);
  ASSERT_EQ(w.status().error_code(), 0u) << w.status().message();
  ASSERT_GT(w.result().commit_floor(), 0u);

  auto g = c.get(leader, seg, get_req("acct"));
  EXPECT_EQ(code(g.status()), errc::locked);
  EXPECT_EQ(g.lock().txn_id(), "t1");
  EXPECT_EQ(g.lock().primary_key(), "pk");
  ASSERT_TRUE(c.settle(seg));
  auto eventual = c.get(follower, seg, get_req("acct", pb::EVENTUAL));
  EXPECT_EQ(code(eventual.status()), errc::locked);
  pb::RangeRequest range;
  range.set_table_id(table);
  range.set_hash_key("acct");
  EXPECT_EQ(code(c.range(leader, seg, range).status()), errc::locked);
  auto blocked = c.write(leader, seg, put_req("acct", "{}"));
  EXPECT_EQ(code(blocked.status()), errc::locked);
  EXPECT_EQ(blocked.result().lock().txn_id(), "t1");

  pb::LocksRequest lr;
  auto listed = c.locks(leader, seg, lr);
  ASSERT_EQ(listed.locks_size(), 1);
  EXPECT_EQ(listed.locks(0).txn_id(), "t1");
  EXPECT_EQ(code(c.locks(follower, seg, lr).status()), errc::not_leader);

  pb::WriteRequest decide;
  auto* d = decide.mutable_mutation()->mutable_txn_decide();
  d->set_txn_id("t1");
  d->set_primary_key("pk");
  d->set_commit(true);
  d->set_commit_version(w.result().commit_floor());
  auto done = c.write(leader, seg, decide);
  ASSERT_EQ(done.status().error_code(), 0u) << done.status().message();
  EXPECT_EQ(done.result().txn_state(), pb::TXN_COMMITTED);
  g = c.get(leader, seg, get_req("acct"));
  ASSERT_EQ(g.status().error_code(), 0u);
  EXPECT_EQ(g.item().version(), w.result().commit_floor());
  EXPECT_EQ(c.locks(leader, seg, lr).locks_size(), 0);
  ASSERT_TRUE(c.settle(seg));
  EXPECT_TRUE(c.converged(seg));
}

}  // namespace
}  // namespace ropekv::segment::test
