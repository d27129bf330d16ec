// placement_state's indexers: registration, liveness, which indexers hold
// which index, and the progress they report. Driven without CAF.
#include "placement_indexes_fixture.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;

class placement_indexers_test : public placement_indexes_fixture {};

TEST_F(placement_indexers_test, replicas_go_to_the_least_loaded_indexers) {
  uint32_t i1 = put_ok("i1");
  EXPECT_TRUE(holders(i1).empty());  // 0 indexers
  uint64_t x = add_indexer();
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x}));  // 1: one replica
  EXPECT_EQ(replica(i1, x).phase(), pb::INDEX_ASSIGNED);
  uint64_t y = add_indexer(0, "127.0.0.1:8501");
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, y}));  // 2: topped up
  uint64_t z = add_indexer(0, "127.0.0.1:8502");
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, y}));  // 3: no more than index_replicas
  // New indexes: z holds none, then ties go to the lowest id.
  uint32_t i2 = put_ok("i2");
  EXPECT_EQ(holders(i2), (std::set<uint64_t>{x, z}));
  uint32_t i3 = put_ok("i3");
  EXPECT_EQ(holders(i3), (std::set<uint64_t>{y, z}));
  EXPECT_EQ(load(), (std::map<uint64_t, int>{{x, 2}, {y, 2}, {z, 2}}));
  // The reply carries the assignment.
  auto r = put(index_spec("i4"));
  EXPECT_EQ(r.index().replicas_size(), 2);
}

TEST_F(placement_indexers_test, replicas_of_a_dead_indexer_move_to_live_ones) {
  uint64_t x = add_indexer();
  uint64_t y = add_indexer(0, "127.0.0.1:8501");
  uint32_t i1 = put_ok("i1");
  uint32_t i2 = put_ok("i2");
  EXPECT_EQ(beat(x, {report(i1, pb::INDEX_ACTIVE)}).error_code(), 0u);
  uint64_t z = add_indexer(0, "127.0.0.1:8502");
  EXPECT_EQ(load(), (std::map<uint64_t, int>{{x, 2}, {y, 2}}));  // no rebalancing
  (void)state_->take_effects();

  // x goes silent; y and z keep beating.
  now_ += 2s;
  EXPECT_EQ(beat(y).error_code(), 0u);
  EXPECT_EQ(beat(z).error_code(), 0u);
  now_ += 1s;
  state_->tick(now_);
  EXPECT_EQ(state_->indexers().count(x), 0u);
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{y, z}));
  EXPECT_EQ(holders(i2), (std::set<uint64_t>{y, z}));
  EXPECT_EQ(replica(i1, z).phase(), pb::INDEX_ASSIGNED);  // backfills from scratch
  auto fx = state_->take_effects();
  EXPECT_EQ(fx.indexers_gone, std::vector<uint64_t>{x});
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->indexers_size(), 2);
  EXPECT_EQ(beat(x).error_code(), code(errc::not_found));

  // z's handle goes down: only y is left, nobody to take z's replicas.
  state_->indexer_down(z, now_);
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{y}));
  EXPECT_EQ(holders(i2), (std::set<uint64_t>{y}));
  fx = state_->take_effects();
  EXPECT_EQ(fx.indexers_gone, std::vector<uint64_t>{z});
  // x comes back with its id (issued here before): it tops the indexes up.
  EXPECT_EQ(add_indexer(x), x);
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, y}));
  EXPECT_EQ(holders(i2), (std::set<uint64_t>{x, y}));
  // An id this catalog never issued gets a fresh one.
  uint64_t w = add_indexer(5000, "127.0.0.1:8503");
  EXPECT_NE(w, 5000u);
  EXPECT_GT(w, z);
  // y dies with nobody spare: x alone holds both.
  state_->indexer_down(y, now_);
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, w}));
}

TEST_F(placement_indexers_test, reports_update_holders_states_only) {
  uint64_t x = add_indexer();
  uint32_t i1 = put_ok("i1");
  uint64_t y = add_indexer(0, "127.0.0.1:8501");
  uint64_t z = add_indexer(0, "127.0.0.1:8502");
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, y}));
  (void)state_->take_effects();

  auto rep = report(i1, pb::INDEX_BACKFILLING, 10);
  rep.mutable_state()->set_items_estimated(100);
  EXPECT_EQ(beat(x, {rep, report(4242, pb::INDEX_ACTIVE)}, 7000).error_code(), 0u);
  EXPECT_EQ(beat(z, {report(i1, pb::INDEX_ACTIVE)}).error_code(), 0u);  // z does not hold it
  const auto& st = replica(i1, x);
  EXPECT_EQ(st.phase(), pb::INDEX_BACKFILLING);
  EXPECT_EQ(st.items_done(), 10u);
  EXPECT_EQ(st.items_estimated(), 100u);
  EXPECT_EQ(st.indexer_id(), x);        // kept, whatever the report said
  EXPECT_EQ(st.reported_ms(), 7000);    // placement's clock
  EXPECT_EQ(replica(i1, y).phase(), pb::INDEX_ASSIGNED);
  EXPECT_EQ(holders(i1), (std::set<uint64_t>{x, y}));
  // A phase change is news at once.
  auto fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  ASSERT_EQ(fx.update->indexes_size(), 1);
  EXPECT_EQ(fx.update->indexes(0).replicas(0).phase(), pb::INDEX_BACKFILLING);

  // Progress alone: at most once per index_progress_interval.
  now_ += 200ms;
  EXPECT_EQ(beat(x, {report(i1, pb::INDEX_BACKFILLING, 20)}).error_code(), 0u);
  EXPECT_EQ(replica(i1, x).items_done(), 20u);
  EXPECT_FALSE(state_->take_effects().update);
  now_ += 200ms;
  EXPECT_EQ(beat(x, {report(i1, pb::INDEX_BACKFILLING, 20)}).error_code(), 0u);  // same numbers
  state_->tick(now_);
  EXPECT_FALSE(state_->take_effects().update);
  now_ += 700ms;  // 1.1 s since the phase change: the timer sends the last progress
  state_->tick(now_);
  fx = state_->take_effects();
  ASSERT_TRUE(fx.update);
  EXPECT_EQ(fx.update->indexes(0).replicas(0).items_done(), 20u);
  // Nothing new since: nothing sent, however often it beats.
  now_ += 2s;
  EXPECT_EQ(beat(x, {report(i1, pb::INDEX_BACKFILLING, 20)}, 9000).error_code(), 0u);
  EXPECT_EQ(beat(y).error_code(), 0u);
  EXPECT_EQ(beat(z).error_code(), 0u);
  state_->tick(now_);
  EXPECT_FALSE(state_->take_effects().update);
  // An error is news.
  auto failed = report(i1, pb::INDEX_BACKFILLING, 20);
  failed.mutable_state()->set_last_error("scan failed");
  EXPECT_EQ(beat(x, {failed}).error_code(), 0u);
  EXPECT_TRUE(state_->take_effects().update);
}

TEST_F(placement_indexers_test, a_restarted_placement_gives_indexes_back_to_their_holders) {
  uint64_t x = add_indexer();
  uint64_t y = add_indexer(0, "127.0.0.1:8501");
  uint64_t z = add_indexer(0, "127.0.0.1:8502");
  uint32_t a = put_ok("a");  // x, y
  uint32_t b = put_ok("b");  // z, x
  uint32_t c = put_ok("c");  // y, z
  ASSERT_EQ(holders(a), (std::set<uint64_t>{x, y}));
  ASSERT_EQ(holders(b), (std::set<uint64_t>{x, z}));
  ASSERT_EQ(holders(c), (std::set<uint64_t>{y, z}));
  open();
  EXPECT_TRUE(state_->indexers().empty());
  for (uint32_t i : {a, b, c}) EXPECT_TRUE(holders(i).empty());
  // They come back one by one (in an order that would move everything if
  // placement assigned by load alone): each gets what it held.
  EXPECT_EQ(add_indexer(z), z);
  EXPECT_EQ(holders(a), (std::set<uint64_t>{}));
  EXPECT_EQ(holders(b), (std::set<uint64_t>{z}));
  EXPECT_EQ(holders(c), (std::set<uint64_t>{z}));
  EXPECT_EQ(add_indexer(x), x);
  EXPECT_EQ(add_indexer(y), y);
  EXPECT_EQ(holders(a), (std::set<uint64_t>{x, y}));
  EXPECT_EQ(holders(b), (std::set<uint64_t>{x, z}));
  EXPECT_EQ(holders(c), (std::set<uint64_t>{y, z}));

  // A saved holder that does not come back within indexer_timeout loses
  // its claim: the live ones fill in.
  open();
  EXPECT_EQ(add_indexer(x), x);
  EXPECT_EQ(holders(c), (std::set<uint64_t>{}));
  now_ += 1s;
  EXPECT_EQ(beat(x).error_code(), 0u);
  state_->tick(now_);
  EXPECT_EQ(holders(c), (std::set<uint64_t>{}));  // still waiting for y and z
  now_ += 2s;
  EXPECT_EQ(beat(x).error_code(), 0u);
  state_->tick(now_);
  for (uint32_t i : {a, b, c}) EXPECT_EQ(holders(i), (std::set<uint64_t>{x}));
}

}  // namespace
}  // namespace ropekv::placement_service
