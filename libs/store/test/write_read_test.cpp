// Puts, deletes, conditions, versions, as_of, applied index and batches.
#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

class store_write_read : public ::testing::Test {
 protected:
  void SetUp() override { s_ = open_store(dir_.file("s.db")); }
  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
};

uint32_t code(const pb::MutationResult& r) { return r.error_code(); }
constexpr auto cf = static_cast<uint32_t>(errc::condition_failed);

TEST_F(store_write_read, put_get_and_versions) {
  auto r1 = must_apply(*s_, make_put(1, "user", "a", "{\"n\":1}", 5000));
  EXPECT_EQ(code(r1), 0u);
  EXPECT_EQ(r1.version(), 5000u);  // version = timestamp when above the head
  EXPECT_GT(r1.position(), 0u);
  auto it = s_->get(1, "user", "a", {});
  ASSERT_TRUE(it.ok());
  EXPECT_EQ(it->value(), "{\"n\":1}");
  EXPECT_EQ(it->version(), 5000u);
  EXPECT_EQ(it->hash_key(), "user");
  EXPECT_EQ(it->table_id(), 1u);
  // A timestamp at or below the head still gets a higher version.
  auto r2 = must_apply(*s_, make_put(1, "user", "b", "{}", 100));
  EXPECT_EQ(r2.version(), 5001u);
  auto r3 = must_apply(*s_, make_put(1, "user", "a", "{\"n\":2}", 5001));
  EXPECT_EQ(r3.version(), 5002u);
  EXPECT_TRUE(r3.had_previous());
  EXPECT_EQ(r3.previous().value(), "{\"n\":1}");
  EXPECT_EQ(r3.previous().version(), 5000u);
  EXPECT_GT(r3.position(), r2.position());
  auto missing = s_->get(1, "user", "zz", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, errc::not_found);
  auto other_table = s_->get(2, "user", "a", {});
  EXPECT_EQ(other_table.error().code, errc::not_found);
}

TEST_F(store_write_read, conditions) {
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "1", 10, {.cond = pb::COND_IF_EXISTS}))), cf);
  auto ok = must_apply(*s_, make_put(1, "h", "r", "1", 20, {.cond = pb::COND_IF_ABSENT}));
  EXPECT_EQ(code(ok), 0u);
  auto again = must_apply(*s_, make_put(1, "h", "r", "2", 30, {.cond = pb::COND_IF_ABSENT}));
  EXPECT_EQ(code(again), cf);
  EXPECT_EQ(again.version(), 0u);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "2", 40, {.cond = pb::COND_IF_VERSION, .expected = 999}))), cf);
  auto v = must_apply(*s_, make_put(1, "h", "r", "3", 50, {.cond = pb::COND_IF_VERSION, .expected = ok.version()}));
  EXPECT_EQ(code(v), 0u);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "4", 60, {.cond = pb::COND_IF_EXISTS}))), 0u);
  EXPECT_EQ(s_->get(1, "h", "r", {})->value(), "4");
  // Deletes with conditions.
  EXPECT_EQ(code(must_apply(*s_, make_delete(1, "h", "r", 70, pb::COND_IF_VERSION, 1))), cf);
  EXPECT_EQ(code(must_apply(*s_, make_delete(1, "h", "r", 80, pb::COND_IF_ABSENT))), cf);
  auto d = must_apply(*s_, make_delete(1, "h", "r", 90, pb::COND_IF_EXISTS));
  EXPECT_EQ(code(d), 0u);
  EXPECT_GT(d.version(), 0u);
  EXPECT_EQ(code(must_apply(*s_, make_delete(1, "h", "r", 100, pb::COND_IF_EXISTS))), cf);
  // if_absent succeeds on a deleted item.
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "5", 110, {.cond = pb::COND_IF_ABSENT}))), 0u);
}

TEST_F(store_write_read, delete_writes_tombstone_and_absent_delete_is_noop) {
  auto p = must_apply(*s_, make_put(1, "h", "r", "v", 100));
  auto d = must_apply(*s_, make_delete(1, "h", "r", 200));
  EXPECT_EQ(d.version(), 200u);
  EXPECT_TRUE(d.had_previous());
  EXPECT_EQ(s_->get(1, "h", "r", {}).error().code, errc::not_found);
  auto none = must_apply(*s_, make_delete(1, "h", "never", 300));
  EXPECT_EQ(code(none), 0u);
  EXPECT_EQ(none.version(), 0u);
  EXPECT_EQ(none.position(), 0u);
  auto info = s_->partition(1, part("h"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->items, 0u);
  EXPECT_EQ(info->bytes, 0u);
  EXPECT_EQ(info->head_version, 200u);
  (void)p;
}

TEST_F(store_write_read, as_of_reads_history) {
  auto v1 = must_apply(*s_, make_put(1, "h", "r", "one", 1000)).version();
  auto v2 = must_apply(*s_, make_put(1, "h", "r", "two", 2000)).version();
  auto v3 = must_apply(*s_, make_delete(1, "h", "r", 3000)).version();
  auto v4 = must_apply(*s_, make_put(1, "h", "r", "four", 4000)).version();
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v1 - 1}).error().code, errc::not_found);
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v1})->value(), "one");
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v2 - 1})->value(), "one");
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v2})->value(), "two");
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v3}).error().code, errc::not_found);
  EXPECT_EQ(s_->get(1, "h", "r", {.as_of = v4})->value(), "four");
  EXPECT_EQ(s_->get(1, "h", "r", {})->value(), "four");
}

TEST_F(store_write_read, limits_are_too_large) {
  constexpr auto tl = static_cast<uint32_t>(errc::too_large);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, std::string(2049, 'h'), "r", "v", 1))), tl);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", std::string(1025, 'r'), "v", 1))), tl);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", std::string(400 * 1024 + 1, 'v'), 1))), tl);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "v", 1, {.rk2 = std::string(1025, 'x')}))), tl);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, std::string(2048, 'h'), std::string(1024, 'r'),
                                          std::string(400 * 1024, 'v'), 1))), 0u);
  EXPECT_EQ(s_->get(1, std::string(2049, 'h'), "r", {}).error().code, errc::too_large);
  EXPECT_EQ(s_->get(1, "h", std::string(1025, 'r'), {}).error().code, errc::too_large);
  EXPECT_EQ(s_->get(1, std::string(2048, 'h'), std::string(1024, 'r'), {})->value().size(), 400u * 1024);
}

TEST_F(store_write_read, keys_with_zero_bytes_and_empty_parts) {
  std::string hk("a\0b", 3), rk("\0", 1);
  must_apply(*s_, make_put(1, hk, rk, "x", 1));
  must_apply(*s_, make_put(1, hk, "", "empty", 2));
  must_apply(*s_, make_put(1, "", "", "both-empty", 3));
  EXPECT_EQ(s_->get(1, hk, rk, {})->value(), "x");
  EXPECT_EQ(s_->get(1, hk, "", {})->value(), "empty");
  EXPECT_EQ(s_->get(1, "", "", {})->value(), "both-empty");
  EXPECT_EQ(s_->get(1, "a", "", {}).error().code, errc::not_found);
}

TEST_F(store_write_read, applied_index_and_replays_survive_reopen) {
  auto path = s_->path();
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "1", 10), 5)), 0u);
  EXPECT_EQ(s_->applied_index(), 5u);
  auto d0 = s_->digest();
  // Replays of old indexes change nothing.
  auto replay = must_apply(*s_, make_put(1, "h", "r", "X", 20), 5);
  EXPECT_EQ(replay.version(), 0u);
  must_apply(*s_, make_put(1, "h", "r", "Y", 30), 3);
  EXPECT_EQ(*s_->digest(), *d0);
  EXPECT_EQ(s_->get(1, "h", "r", {})->value(), "1");
  // Entries that write no row still persist their index.
  must_apply(*s_, make_noop(40), 9);
  EXPECT_EQ(code(must_apply(*s_, make_put(1, "h", "r", "Z", 50, {.cond = pb::COND_IF_ABSENT}), 10)), cf);
  EXPECT_EQ(s_->applied_index(), 10u);
  s_.reset();
  s_ = open_store(path);
  EXPECT_EQ(s_->applied_index(), 10u);
  // Index 0 means "not from the log": always applied, index unchanged.
  must_apply(*s_, make_put(1, "h", "r", "2", 60), 0);
  EXPECT_EQ(s_->applied_index(), 10u);
  EXPECT_EQ(s_->get(1, "h", "r", {})->value(), "2");
  // ... also after a reopen, though the newest row carries index 0.
  s_.reset();
  s_ = open_store(path);
  EXPECT_EQ(s_->applied_index(), 10u);
}

TEST_F(store_write_read, batch_applies_in_one_transaction) {
  std::vector<pb::Mutation> ms;
  for (int i = 0; i < 100; ++i) ms.push_back(make_put(1, "h", std::to_string(i), "v" + std::to_string(i), 1000 + i));
  ms.push_back(make_put(1, "h", "0", "again", 2000, {.cond = pb::COND_IF_ABSENT}));
  std::vector<indexed_mutation> batch;
  for (size_t i = 0; i < ms.size(); ++i) batch.push_back({&ms[i], i + 1});
  auto before = s_->total_changes();
  auto res = s_->apply_batch(batch);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->size(), 101u);
  EXPECT_EQ((*res)[100].error_code(), cf);
  EXPECT_EQ(s_->applied_index(), 101u);
  // 100 rows plus the meta row (the last entry wrote none).
  EXPECT_EQ(s_->total_changes() - before, 101);
  EXPECT_EQ(s_->get(1, "h", "42", {})->value(), "v42");
  auto info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 100u);
  // Replaying the whole batch is a no-op.
  auto d = *s_->digest();
  ASSERT_TRUE(s_->apply_batch(batch).ok());
  EXPECT_EQ(*s_->digest(), d);
}

TEST_F(store_write_read, aggregates_follow_writes) {
  must_apply(*s_, make_put(1, "h", "a", "12345", 1));                       // 1+1+5
  must_apply(*s_, make_put(1, "h", "b", "xy", 2, {.rk2 = std::string("k")}));  // 1+1+2+1
  auto info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 2u);
  EXPECT_EQ(info->bytes, 12u);
  must_apply(*s_, make_put(1, "h", "a", "1", 3));
  info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 2u);
  EXPECT_EQ(info->bytes, 8u);
  must_apply(*s_, make_delete(1, "h", "b", 4));
  info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 1u);
  EXPECT_EQ(info->bytes, 3u);
  auto recount = s_->recount_partition(1, part("h"));
  EXPECT_EQ(recount->items, info->items);
  EXPECT_EQ(recount->bytes, info->bytes);
  EXPECT_EQ(recount->head_version, info->head_version);
  // Reopen: loaded from the newest version row, not recounted.
  auto path = s_->path();
  s_.reset();
  s_ = open_store(path);
  info = s_->partition(1, part("h"));
  EXPECT_EQ(info->items, 1u);
  EXPECT_EQ(info->bytes, 3u);
  EXPECT_EQ(info->head_version, 4u);
}

TEST_F(store_write_read, wrong_segment_outside_meta_range) {
  auto k = keys::encode(keys::make_key(1, "m"));
  ASSERT_TRUE(s_->set_meta({1, k, "", 1}).ok());
  auto below = keys::make_key(0, "a");
  auto r = must_apply(*s_, make_put(0, "a", "", "v", 1));
  EXPECT_EQ(r.error_code(), static_cast<uint32_t>(errc::wrong_segment));
  EXPECT_EQ(s_->get(0, "a", "", {}).error().code, errc::wrong_segment);
  (void)below;
}

}  // namespace
}  // namespace ropekv::store::test
