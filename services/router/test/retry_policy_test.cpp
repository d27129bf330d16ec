#include <gtest/gtest.h>

#include "retry_policy.hpp"

namespace ropekv::router {
namespace {

using action = retry_decision::action;
using namespace std::chrono_literals;

segment_target three_replicas() {
  segment_target t;
  t.segment = segment_id{5};
  t.replicas = {node_id{1}, node_id{2}, node_id{3}};
  t.leader_hint = node_id{1};
  return t;
}

retry_state at(uint32_t attempts, uint64_t current, std::vector<uint64_t> tried = {}) {
  retry_state s{attempts, node_id{current}, {}, {}};
  for (auto n : tried) s.tried.push_back(node_id{n});
  return s;
}

TEST(router_retry_policy, classifies_reply_codes) {
  EXPECT_EQ(classify_status(0), outcome_kind::final_reply);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::not_found)), outcome_kind::final_reply);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::condition_failed)), outcome_kind::final_reply);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::not_leader)), outcome_kind::not_leader);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::wrong_segment)), outcome_kind::wrong_segment);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::unavailable)), outcome_kind::unavailable);
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::timeout)), outcome_kind::unavailable);
}

TEST(router_retry_policy, not_leader_goes_to_the_hint_at_once) {
  retry_options o;
  auto d = decide(o, op_class::read, three_replicas(), at(1, 1, {1}),
                  {outcome_kind::not_leader, node_id{3}, "not leader"});
  EXPECT_EQ(d.what, action::retry_node);
  EXPECT_EQ(d.node, node_id{3});
  EXPECT_EQ(d.delay, 0ms);
  // Also for conditional writes: the entry was never appended.
  d = decide(o, op_class::conditional_write, three_replicas(), at(1, 1, {1}),
             {outcome_kind::not_leader, node_id{2}, ""});
  EXPECT_EQ(d.what, action::retry_node);
  EXPECT_EQ(d.node, node_id{2});
}

TEST(router_retry_policy, not_leader_without_hint_tries_the_next_replica_with_backoff) {
  retry_options o;
  auto d = decide(o, op_class::read, three_replicas(), at(1, 1, {1}), {outcome_kind::not_leader, {}, ""});
  EXPECT_EQ(d.what, action::retry_node);
  EXPECT_EQ(d.node, node_id{2});
  EXPECT_GT(d.delay, 0ms);
  d = decide(o, op_class::read, three_replicas(), at(2, 2, {1, 2}), {outcome_kind::not_leader, {}, ""});
  EXPECT_EQ(d.node, node_id{3});
  // Everyone tried: back to the preferred replica.
  d = decide(o, op_class::read, three_replicas(), at(3, 3, {1, 2, 3}), {outcome_kind::not_leader, {}, ""});
  EXPECT_EQ(d.node, node_id{1});
  // A hint naming the node just asked is no hint.
  d = decide(o, op_class::read, three_replicas(), at(1, 1, {1}), {outcome_kind::not_leader, node_id{1}, ""});
  EXPECT_EQ(d.node, node_id{2});
}

// Regression: after a leader's kill -9 the rope still prefers the dead node.
// Once every replica was tried, a failed connect to it must move on to the
// survivors (who learn the election's winner), not back to the dead node.
TEST(router_retry_policy, all_tried_keeps_cycling_past_a_dead_preferred_node) {
  retry_options o;
  auto d = decide(o, op_class::idempotent_write, three_replicas(), at(4, 1, {1, 2, 3}),
                  {outcome_kind::connect_failed, {}, "unreachable"});
  EXPECT_EQ(d.what, action::retry_node);
  EXPECT_EQ(d.node, node_id{2});
  d = decide(o, op_class::idempotent_write, three_replicas(), at(5, 2, {1, 2, 3}),
             {outcome_kind::not_leader, {}, ""});
  EXPECT_EQ(d.node, node_id{3});
}

TEST(router_retry_policy, wrong_segment_refreshes_first_one_without_delay) {
  retry_options o;
  auto d = decide(o, op_class::conditional_write, three_replicas(), at(1, 1),
                  {outcome_kind::wrong_segment, {}, ""});
  EXPECT_EQ(d.what, action::refresh);
  EXPECT_EQ(d.delay, 0ms);
  d = decide(o, op_class::read, three_replicas(), at(3, 1), {outcome_kind::wrong_segment, {}, ""});
  EXPECT_EQ(d.what, action::refresh);
  EXPECT_GT(d.delay, 0ms);
}

TEST(router_retry_policy, unknown_outcomes_stop_conditional_writes_only) {
  retry_options o;
  for (auto kind : {outcome_kind::unavailable, outcome_kind::timeout, outcome_kind::down}) {
    auto d = decide(o, op_class::conditional_write, three_replicas(), at(1, 1), {kind, {}, "x"});
    EXPECT_EQ(d.what, action::give_up);
    EXPECT_EQ(d.code, errc::unavailable);
    for (auto op : {op_class::read, op_class::idempotent_write}) {
      d = decide(o, op, three_replicas(), at(1, 1, {1}), {kind, {}, "x"});
      EXPECT_EQ(d.what, action::retry_node);
      EXPECT_EQ(d.node, node_id{2});
    }
  }
  // A failed connect never sent anything: safe for every write.
  auto d = decide(o, op_class::conditional_write, three_replicas(), at(1, 1, {1}),
                  {outcome_kind::connect_failed, {}, ""});
  EXPECT_EQ(d.what, action::retry_node);
}

TEST(router_retry_policy, bounded_attempts_then_503) {
  retry_options o;
  o.max_attempts = 4;
  auto d = decide(o, op_class::read, three_replicas(), at(4, 1), {outcome_kind::not_leader, node_id{2}, "m"});
  EXPECT_EQ(d.what, action::give_up);
  EXPECT_EQ(d.code, errc::unavailable);
  EXPECT_NE(d.message.find("4 attempts"), std::string::npos);
  d = decide(o, op_class::read, three_replicas(), at(4, 1), {outcome_kind::wrong_segment, {}, ""});
  EXPECT_EQ(d.what, action::give_up);
}

TEST(router_retry_policy, backoff_doubles_and_caps) {
  retry_options o;
  o.backoff_base = 2ms;
  o.backoff_max = 10ms;
  EXPECT_EQ(backoff(o, 0), 0ms);
  EXPECT_EQ(backoff(o, 1), 2ms);
  EXPECT_EQ(backoff(o, 2), 4ms);
  EXPECT_EQ(backoff(o, 3), 8ms);
  EXPECT_EQ(backoff(o, 4), 10ms);
  EXPECT_EQ(backoff(o, 30), 10ms);
}

}  // namespace
}  // namespace ropekv::router

namespace ropekv::router {
namespace {

// A full disk (issue 14): the replica proposed nothing, so any write may
// go on to the next replica; once a majority of the group answered so, no
// quorum can write and the client gets 507.
TEST(router_retry_policy, insufficient_storage_moves_on_until_a_majority_is_full) {
  retry_options o;
  EXPECT_EQ(classify_status(static_cast<uint32_t>(errc::insufficient_storage)), outcome_kind::insufficient_storage);
  retry_state s = at(1, 1, {1});
  s.full = {node_id{1}};
  auto d = decide(o, op_class::conditional_write, three_replicas(), s,
                  {outcome_kind::insufficient_storage, {}, "disk of node 1 is full"});
  EXPECT_EQ(d.what, action::retry_node);
  EXPECT_EQ(d.node, node_id{2});
  s = at(2, 2, {1, 2});
  s.full = {node_id{1}, node_id{2}};
  d = decide(o, op_class::idempotent_write, three_replicas(), s,
             {outcome_kind::insufficient_storage, {}, "disk of node 2 is full"});
  EXPECT_EQ(d.what, action::give_up);
  EXPECT_EQ(d.code, errc::insufficient_storage);
  // The same node twice is one full replica, not two.
  s.full = {node_id{2}, node_id{2}};
  d = decide(o, op_class::idempotent_write, three_replicas(), s, {outcome_kind::insufficient_storage, {}, ""});
  EXPECT_EQ(d.what, action::retry_node);
  // A single-replica group: its one full replica is the majority.
  segment_target one;
  one.segment = segment_id{7};
  one.replicas = {node_id{4}};
  retry_state s1 = at(1, 4, {4});
  s1.full = {node_id{4}};
  d = decide(o, op_class::idempotent_write, one, s1, {outcome_kind::insufficient_storage, {}, ""});
  EXPECT_EQ(d.what, action::give_up);
  EXPECT_EQ(d.code, errc::insufficient_storage);
}

}  // namespace
}  // namespace ropekv::router
