// Transactions and request de-duplication in the store: one-phase
// Transact, prepare / decide / resolve, partition locks, versions, and
// that all of it survives snapshots, splits and reopening.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

constexpr auto cf = static_cast<uint32_t>(errc::condition_failed);
constexpr auto locked = static_cast<uint32_t>(errc::locked);

pb::TxnOp put_op(uint32_t index, const std::string& hk, const std::string& value,
                 pb::Condition cond = pb::COND_NONE, uint64_t expected = 0) {
  pb::TxnOp op;
  op.set_index(index);
  *op.mutable_put() = make_put(1, hk, "", value, 0, {.cond = cond, .expected = expected}).put();
  return op;
}

pb::TxnOp delete_op(uint32_t index, const std::string& hk) {
  pb::TxnOp op;
  op.set_index(index);
  *op.mutable_delete_() = make_delete(1, hk, "", 0).delete_();
  return op;
}

pb::TxnOp get_op(uint32_t index, const std::string& hk) {
  pb::TxnOp op;
  op.set_index(index);
  op.mutable_get()->set_table_id(1);
  op.mutable_get()->set_hash_key(hk);
  return op;
}

pb::TxnOp check_op(uint32_t index, const std::string& hk, pb::Condition cond, uint64_t expected = 0) {
  pb::TxnOp op;
  op.set_index(index);
  auto* c = op.mutable_check();
  c->set_table_id(1);
  c->set_hash_key(hk);
  c->set_condition(cond);
  c->set_expected_version(expected);
  return op;
}

pb::Mutation transact(int64_t ts, std::vector<pb::TxnOp> ops, const std::string& id = "t1") {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  m.mutable_transact()->set_txn_id(id);
  for (auto& op : ops) *m.mutable_transact()->add_ops() = std::move(op);
  return m;
}

pb::Mutation prepare(int64_t ts, const std::string& id, bool primary, std::vector<pb::TxnOp> ops,
                     const std::string& request_key = {}) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  m.set_request_key(request_key);
  auto* p = m.mutable_txn_prepare();
  p->set_txn_id(id);
  p->set_primary(primary);
  p->set_primary_key("pk-" + id);
  for (auto& op : ops) *p->add_ops() = std::move(op);
  return m;
}

pb::Mutation decide(int64_t ts, const std::string& id, bool commit, uint64_t version = 0) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* d = m.mutable_txn_decide();
  d->set_txn_id(id);
  d->set_commit(commit);
  d->set_commit_version(version);
  d->mutable_outcome()->set_commit_version(version);
  return m;
}

pb::Mutation resolve(int64_t ts, const std::string& id, bool commit, uint64_t version = 0) {
  pb::Mutation m;
  m.set_timestamp_us(ts);
  auto* r = m.mutable_txn_resolve();
  r->set_txn_id(id);
  r->set_commit(commit);
  r->set_commit_version(version);
  return m;
}

std::string key_of(const std::string& hk) {
  return keys::encode(keys::item_key{1, part(hk), hk, ""});
}

class store_txn : public ::testing::Test {
 protected:
  void SetUp() override { s_ = open_store(dir_.file("s.db")); }
  std::optional<std::string> value(const std::string& hk, uint64_t as_of = 0) {
    auto it = s_->get(1, hk, "", {.now_us = 1, .as_of = as_of});
    if (!it) return std::nullopt;
    return it->value();
  }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

TEST_F(store_txn, one_phase_applies_all_at_one_version_or_nothing) {
  must_apply(*s_, make_put(1, "a", "", "1", 1000));
  auto ok = must_apply(*s_, transact(2000, {put_op(0, "a", "2", pb::COND_IF_EXISTS), put_op(1, "b", "3"),
                                            get_op(2, "a"), delete_op(3, "c")}));
  ASSERT_EQ(ok.error_code(), 0u) << ok.error_message();
  ASSERT_EQ(ok.ops_size(), 4);
  // Different partitions, one version: as_of at it sees both writes.
  EXPECT_EQ(ok.ops(0).version(), ok.ops(1).version());
  EXPECT_EQ(ok.ops(2).item().value(), "1");  // the value before the transaction
  EXPECT_EQ(value("a"), "2");
  EXPECT_EQ(value("b"), "3");
  EXPECT_EQ(value("b", ok.ops(0).version()), "3");
  EXPECT_EQ(value("a", ok.ops(0).version() - 1), "1");
  // The change feed names the transaction.
  auto feed = s_->changes_since(0, 100);
  ASSERT_TRUE(feed.ok());
  ASSERT_EQ(feed->size(), 3u);
  EXPECT_EQ(feed->back().txn_id(), "t1");
  EXPECT_EQ(feed->front().txn_id(), "");

  auto failed = must_apply(*s_, transact(3000, {put_op(0, "d", "x"), check_op(1, "a", pb::COND_IF_VERSION, 1)},
                                         "t2"));
  EXPECT_EQ(failed.error_code(), cf);
  ASSERT_EQ(failed.ops_size(), 2);
  EXPECT_EQ(failed.ops(0).error_code(), 0u);
  EXPECT_EQ(failed.ops(1).error_code(), cf);
  EXPECT_EQ(failed.ops(1).version(), ok.ops(0).version());  // the current version, for the client
  EXPECT_FALSE(value("d"));
}

TEST_F(store_txn, prepare_locks_partitions_until_resolved) {
  must_apply(*s_, make_put(1, "a", "", "1", 1000));
  auto p = must_apply(*s_, prepare(2000, "t1", true, {put_op(0, "a", "2"), get_op(1, "b")}));
  ASSERT_EQ(p.error_code(), 0u) << p.error_message();
  EXPECT_GE(p.commit_floor(), 2000u);
  // Writes to the locked partition wait; reads of the locked item too.
  auto blocked = must_apply(*s_, make_put(1, "a", "", "x", 2100));
  EXPECT_EQ(blocked.error_code(), locked);
  EXPECT_EQ(blocked.lock().txn_id(), "t1");
  EXPECT_EQ(blocked.lock().primary_key(), "pk-t1");
  EXPECT_TRUE(s_->lock_on(key_of("a"), 2100).has_value());
  EXPECT_EQ(s_->lock_on(key_of("a"), 2500)->age_ms(), 0u);
  EXPECT_FALSE(s_->lock_on(key_of("zz"), 2100).has_value());
  auto other = must_apply(*s_, prepare(2200, "t2", true, {put_op(0, "b", "9")}));
  EXPECT_EQ(other.error_code(), locked);  // no-wait: t2 loses, never deadlocks
  // A rollback of the partition waits too.
  EXPECT_EQ(must_apply(*s_, make_rollback(1, part("a"), 0, 2300)).error_code(), locked);
  // Prepare again (a retry): same answer, still one lock per item.
  auto again = must_apply(*s_, prepare(2000, "t1", true, {put_op(0, "a", "2"), get_op(1, "b")}));
  EXPECT_EQ(again.error_code(), 0u);
  EXPECT_EQ(s_->stale_locks(10'000'000, 0, 10).size(), 2u);

  uint64_t commit = p.commit_floor() + 50;
  auto d = must_apply(*s_, decide(2400, "t1", true, commit));
  EXPECT_EQ(d.txn_state(), pb::TXN_COMMITTED);
  EXPECT_EQ(d.commit_version(), commit);
  EXPECT_EQ(value("a"), "2");
  EXPECT_EQ(s_->get(1, "a", "", {.now_us = 1})->version(), commit);
  EXPECT_TRUE(s_->stale_locks(10'000'000, 0, 10).empty());
  EXPECT_EQ(must_apply(*s_, make_put(1, "a", "", "x", 2500)).error_code(), 0u);
  // Decided once: deciding again keeps the outcome.
  EXPECT_EQ(must_apply(*s_, decide(2600, "t1", false)).txn_state(), pb::TXN_COMMITTED);
}

TEST_F(store_txn, abort_and_unknown_transactions) {
  auto p = must_apply(*s_, prepare(1000, "t1", true, {put_op(0, "a", "1")}));
  ASSERT_EQ(p.error_code(), 0u);
  EXPECT_EQ(must_apply(*s_, decide(1100, "t1", false)).txn_state(), pb::TXN_ABORTED);
  EXPECT_FALSE(value("a"));
  EXPECT_TRUE(s_->stale_locks(10'000'000, 0, 10).empty());
  // A commit that comes after the abort does not commit.
  EXPECT_EQ(must_apply(*s_, decide(1200, "t1", true, 5000)).txn_state(), pb::TXN_ABORTED);
  EXPECT_FALSE(value("a"));
  // A resolver that finds no record aborts it, and a late prepare is refused.
  EXPECT_EQ(must_apply(*s_, decide(1300, "t9", false)).txn_state(), pb::TXN_ABORTED);
  auto late = must_apply(*s_, prepare(1400, "t9", true, {put_op(0, "b", "1")}));
  EXPECT_EQ(late.error_code(), static_cast<uint32_t>(errc::conflict));
  EXPECT_TRUE(s_->stale_locks(10'000'000, 0, 10).empty());
}

TEST_F(store_txn, secondary_resolves_commit_and_abort) {
  auto p = must_apply(*s_, prepare(1000, "t1", false, {put_op(0, "a", "1"), put_op(1, "b", "2")}));
  ASSERT_EQ(p.error_code(), 0u);
  auto r = must_apply(*s_, resolve(1100, "t1", true, 7000));
  EXPECT_EQ(r.ops_size(), 2);
  EXPECT_EQ(s_->get(1, "a", "", {.now_us = 1})->version(), 7000u);
  EXPECT_EQ(s_->get(1, "b", "", {.now_us = 1})->version(), 7000u);
  // Resolving again changes nothing.
  EXPECT_EQ(must_apply(*s_, resolve(1200, "t1", true, 7000)).ops_size(), 0);
  must_apply(*s_, prepare(1300, "t2", false, {delete_op(0, "a")}));
  must_apply(*s_, resolve(1400, "t2", false));
  EXPECT_EQ(value("a"), "1");
}

TEST_F(store_txn, failed_condition_locks_nothing) {
  auto p = must_apply(*s_, prepare(1000, "t1", true, {put_op(0, "a", "1", pb::COND_IF_EXISTS)}));
  EXPECT_EQ(p.error_code(), cf);
  EXPECT_EQ(p.ops(0).error_code(), cf);
  EXPECT_TRUE(s_->stale_locks(10'000'000, 0, 10).empty());
}

TEST_F(store_txn, request_key_applies_once_and_replays_the_outcome) {
  auto m = make_put(1, "a", "", "1", 1000, {.cond = pb::COND_IF_ABSENT});
  m.set_request_key("req-1");
  auto first = must_apply(*s_, m);
  EXPECT_EQ(first.error_code(), 0u);
  m.set_timestamp_us(2000);  // a retry: later, same request
  auto second = must_apply(*s_, m);
  EXPECT_EQ(second.error_code(), 0u);  // not "item exists"
  EXPECT_TRUE(second.deduplicated());
  EXPECT_EQ(second.version(), first.version());
  EXPECT_EQ(s_->changes_since(0, 10)->size(), 1u);
  // The same id for another request is refused.
  auto other = make_put(1, "b", "", "1", 3000);
  other.set_request_key("req-1");
  EXPECT_EQ(must_apply(*s_, other).error_code(), static_cast<uint32_t>(errc::invalid_argument));
  // Past the retention the id is forgotten.
  auto late = make_put(1, "z", "", "1", 1000 + 11LL * 60 * 1000 * 1000);
  late.set_request_key("req-2");
  must_apply(*s_, late);
  m.set_timestamp_us(1000 + 11LL * 60 * 1000 * 1000 + 1);
  EXPECT_EQ(must_apply(*s_, m).error_code(), cf);
}

// A one-phase transaction re-sent by its own router (same transaction id)
// applies once and is not "deduplicated" to the client; another request
// under the same request_id is.
TEST_F(store_txn, one_phase_retries_apply_once) {
  auto m = transact(1000, {put_op(0, "a", "1"), put_op(1, "b", "2")});
  m.set_request_key("req-9");
  auto first = must_apply(*s_, m);
  ASSERT_EQ(first.error_code(), 0u);
  m.set_timestamp_us(2000);
  auto again = must_apply(*s_, m);
  EXPECT_FALSE(again.deduplicated());
  EXPECT_EQ(again.commit_version(), first.commit_version());
  m.mutable_transact()->set_txn_id("another-attempt");
  EXPECT_TRUE(must_apply(*s_, m).deduplicated());
  EXPECT_EQ(s_->changes_since(0, 10)->size(), 2u);
}

TEST_F(store_txn, committed_request_answers_a_retried_prepare) {
  must_apply(*s_, prepare(1000, "t1", true, {put_op(0, "a", "1")}, "req-7"));
  auto d = decide(1100, "t1", true, 4000);
  d.mutable_txn_decide()->mutable_outcome()->set_version(4000);
  must_apply(*s_, d);
  auto retry = must_apply(*s_, prepare(1200, "t1-retry", true, {put_op(0, "a", "1")}, "req-7"));
  EXPECT_TRUE(retry.deduplicated());
  EXPECT_EQ(retry.version(), 4000u);
  EXPECT_TRUE(s_->stale_locks(10'000'000, 0, 10).empty());
}

TEST_F(store_txn, locks_records_and_requests_survive_reopen_snapshot_and_split) {
  auto m = make_put(1, "r", "", "1", 500);
  m.set_request_key("req-1");
  must_apply(*s_, m);
  must_apply(*s_, prepare(1000, "t1", true, {put_op(0, "a", "1"), put_op(1, "b", "2")}));
  s_.reset();
  s_ = open_store(dir_.file("s.db"));
  EXPECT_EQ(must_apply(*s_, make_put(1, "a", "", "x", 1100)).error_code(), locked);

  auto snap = s_->snapshot();
  ASSERT_TRUE(snap.ok());
  auto restored = segment_store::restore(dir_.file("r.db"), *snap);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(must_apply(**restored, make_put(1, "a", "", "x", 1100)).error_code(), locked);
  EXPECT_EQ((*restored)->digest().value(), s_->digest().value());
  m.set_timestamp_us(1200);
  EXPECT_TRUE(must_apply(**restored, m).deduplicated());

  std::string ka = key_of("a"), kb = key_of("b");
  std::string at = std::max(ka, kb);
  auto halves = s_->split(at, dir_.file("l.db"), dir_.file("rr.db"));
  ASSERT_TRUE(halves.ok());
  auto& left = *halves->left;
  auto& right = *halves->right;
  EXPECT_EQ(left.stale_locks(10'000'000, 0, 10).size(), 1u);
  EXPECT_EQ(right.stale_locks(10'000'000, 0, 10).size(), 1u);
  // Both halves know the request.
  EXPECT_TRUE(must_apply(left, m).deduplicated());
  EXPECT_TRUE(must_apply(right, m).deduplicated());
}

}  // namespace
}  // namespace ropekv::store::test
