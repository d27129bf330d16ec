// Chunks through the segment's log (docs/backup.md): the leader freezes,
// the shipper stores, and only then is the record proposed; every replica
// ends with the same manifest. The shipper here is a queue the test
// completes by hand, so each step of an upload is explicit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "ropekv/store/segment_store.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

class manual_shipper final : public chunk_shipper {
 public:
  struct job {
    uint64_t group;
    std::string bytes;
    pb::ChunkRecord record;
    done_fn done;
  };
  bool ship(uint64_t group, std::string bytes, pb::ChunkRecord record, done_fn done) override {
    if (full) return false;
    jobs.push_back({group, std::move(bytes), std::move(record), std::move(done)});
    return true;
  }
  /// Completes the oldest job: stored under an id derived from its order.
  void complete(bool stored) {
    auto j = std::move(jobs.front());
    jobs.erase(jobs.begin());
    outcome o;
    o.record = j.record;
    char id[65];
    std::snprintf(id, sizeof id, "%064llx", static_cast<unsigned long long>(++ids));
    o.record.set_chunk_id(id);
    o.stored = stored;
    j.done(std::move(o));
  }
  std::vector<job> jobs;
  bool full = false;
  uint64_t ids = 0;
};

struct chunk_sim {
  std::shared_ptr<manual_shipper> shipper = std::make_shared<manual_shipper>();
  std::unique_ptr<sim_cluster> sim;
  unsigned leader = 0;
  explicit chunk_sim(size_t min_rows = 5) {
    sim_options o;
    o.chunks.shipper = shipper;
    o.chunks.min_rows = min_rows;
    o.chunks.max_rows = 1000;
    o.chunks.interval_us = 3'600'000'000;  // rows, not time, decide here
    sim = std::make_unique<sim_cluster>(o);
    sim->create_group({1, "", "", 1});
    leader = *sim->wait_leader(1);
  }
  void put_n(int n, const std::string& prefix = "k") {
    for (int i = 0; i < n; ++i) {
      auto r = sim->write(leader, 1, put_req(prefix + std::to_string(i), "{\"v\":" + std::to_string(i) + "}"));
      ASSERT_EQ(code(r.status()), errc{}) << r.status().message();
    }
  }
  uint64_t chunked(unsigned i) { return sim->replica(i, 1)->store().chunked_position(); }
};

TEST(segment_chunks, shipped_chunks_are_recorded_on_every_replica) {
  chunk_sim c(12);
  c.put_n(12);
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  // One chunk in flight at a time, nothing recorded before it is stored.
  c.sim->step(50);
  ASSERT_EQ(c.shipper->jobs.size(), 1u);
  EXPECT_EQ(c.chunked(c.leader), 0u);
  auto first = c.shipper->jobs.front().record;
  EXPECT_EQ(first.first_position(), 0u);
  EXPECT_EQ(first.last_position(), 12u);
  // The bytes are a readable chunk of exactly those rows.
  size_t rows = 0;
  auto read = store::segment_store::read_chunk(c.shipper->jobs.front().bytes, [&](const pb::StoreRecord&) -> status {
    ++rows;
    return {};
  });
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(rows, 12u);
  c.shipper->complete(true);
  ASSERT_TRUE(c.sim->run_until([&] { return c.chunked(c.leader) == 12; }, 2000));
  ASSERT_TRUE(c.sim->settle(1));
  for (unsigned i = 0; i < 3; ++i) {
    auto m = c.sim->replica(i, 1)->store().chunk_manifest();
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 1u) << "node " << i;
    EXPECT_EQ((*m)[0].last_position(), 12u);
  }
  EXPECT_TRUE(c.sim->converged(1));
  EXPECT_EQ(c.sim->replica(c.leader, 1)->stats().chunks_recorded, 1u);

  // The next chunk continues where the manifest ends.
  c.put_n(12, "more");
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  EXPECT_EQ(c.shipper->jobs.front().record.first_position(), 12u);
}

TEST(segment_chunks, a_failed_upload_records_nothing_and_is_frozen_again) {
  chunk_sim c;
  c.put_n(6);
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  c.shipper->complete(false);
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  EXPECT_EQ(c.chunked(c.leader), 0u);
  EXPECT_EQ(c.shipper->jobs.front().record.first_position(), 0u);
  EXPECT_EQ(c.sim->replica(c.leader, 1)->stats().chunks_refused, 1u);
}

TEST(segment_chunks, an_upload_finishing_after_the_leader_died_is_not_recorded) {
  chunk_sim c;
  c.put_n(6);
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  unsigned old = c.leader;
  c.sim->crash(old);
  auto next = c.sim->wait_leader(1);
  ASSERT_TRUE(next.has_value());
  c.leader = *next;
  // The dead leader's upload completes; its report goes nowhere. The new
  // leader freezes the same rows itself (after its own interval or rows).
  c.put_n(6, "after");
  ASSERT_TRUE(c.sim->run_until([&] { return c.shipper->jobs.size() >= 2; }, 3000));
  c.shipper->complete(true);  // the dead leader's
  c.shipper->complete(true);  // the new leader's
  ASSERT_TRUE(c.sim->run_until([&] { return c.chunked(c.leader) > 0; }, 3000));
  c.sim->restart(old);
  ASSERT_TRUE(c.sim->settle(1));
  auto m = c.sim->replica(c.leader, 1)->store().chunk_manifest();
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].first_position(), 0u);
  EXPECT_EQ((*m)[0].chunk_id(), std::string(62, '0') + "02");
  EXPECT_TRUE(c.sim->converged(1));
}

TEST(segment_chunks, a_sealing_manifest_request_waits_for_the_chunks) {
  chunk_sim c(1000);  // thresholds never reached: only the seal chunks
  c.put_n(4);
  std::optional<pb::ManifestReply> got;
  pb::ManifestRequest req;
  req.set_seal(true);
  req.set_wait_ms(5000);
  c.sim->replica(c.leader, 1)->manifest(req, [&](pb::ManifestReply r) { got = std::move(r); });
  ASSERT_TRUE(c.sim->run_until([&] { return !c.shipper->jobs.empty(); }, 2000));
  EXPECT_FALSE(got.has_value());
  c.shipper->complete(true);
  ASSERT_TRUE(c.sim->run_until([&] { return got.has_value(); }, 2000));
  EXPECT_EQ(code(got->status()), errc{});
  ASSERT_EQ(got->chunks_size(), 1);
  EXPECT_EQ(got->sealed_position(), 4u);
  EXPECT_EQ(got->last_position(), 4u);

  // A full backlog: the seal gives up after wait_ms with unavailable.
  c.put_n(2, "late");
  c.shipper->full = true;
  got.reset();
  req.set_wait_ms(200);
  c.sim->replica(c.leader, 1)->manifest(req, [&](pb::ManifestReply r) { got = std::move(r); });
  ASSERT_TRUE(c.sim->run_until([&] { return got.has_value(); }, 2000));
  EXPECT_EQ(code(got->status()), errc::unavailable);
  EXPECT_GT(c.sim->replica(c.leader, 1)->stats().chunk_backlog_full, 0u);

  // A follower answers a plain manifest request; a seal it refuses.
  unsigned follower = (c.leader + 1) % 3;
  got.reset();
  req.set_seal(false);
  c.sim->replica(follower, 1)->manifest(req, [&](pb::ManifestReply r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->chunks_size(), 1);
  req.set_seal(true);
  got.reset();
  c.sim->replica(follower, 1)->manifest(req, [&](pb::ManifestReply r) { got = std::move(r); });
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(code(got->status()), errc::not_leader);
}

TEST(segment_chunks, split_children_keep_the_manifest_and_continue_it) {
  chunk_sim c(20);
  c.put_n(40);
  // Ship until the manifest covers all 40 rows.
  ASSERT_TRUE(c.sim->run_until([&] {
    if (!c.shipper->jobs.empty()) c.shipper->complete(true);
    return c.chunked(c.leader) == 40;
  }, 5000));
  std::vector<std::string> ks;
  for (int i = 0; i < 40; ++i) ks.push_back(key_of("k" + std::to_string(i)));
  std::sort(ks.begin(), ks.end());
  pb::SplitRequest split;
  split.set_at_key(ks[20]);
  split.set_left_segment_id(2);
  split.set_right_segment_id(3);
  ASSERT_EQ(code(c.sim->split(c.leader, 1, split).status()), errc{});
  ASSERT_TRUE(c.sim->run_until([&] { return c.sim->replica(c.leader, 3) != nullptr; }, 3000));
  auto parent = c.sim->replica(c.leader, 1)->store().chunk_manifest();
  auto right = c.sim->replica(c.leader, 3)->store().chunk_manifest();
  ASSERT_TRUE(parent.ok() && right.ok());
  ASSERT_EQ(right->size(), parent->size());
  EXPECT_EQ(right->back().chunk_id(), parent->back().chunk_id());

  // New rows in the right half: its own leader chunks them from position 40.
  auto rl = c.sim->wait_leader(3);
  ASSERT_TRUE(rl.has_value());
  int written = 0;
  for (int i = 0; written < 20 && i < 400; ++i) {
    std::string hk = "r" + std::to_string(i);
    if (key_of(hk) < ks[20]) continue;
    auto w = c.sim->write(*rl, 3, put_req(hk, "{}"));
    ASSERT_EQ(code(w.status()), errc{}) << w.status().message();
    ++written;
  }
  ASSERT_TRUE(c.sim->run_until([&] {
    for (const auto& j : c.shipper->jobs)
      if (j.group == 3) return true;
    return false;
  }, 3000));
  for (const auto& j : c.shipper->jobs) {
    if (j.group != 3) continue;
    EXPECT_EQ(j.record.first_position(), 40u);
    EXPECT_EQ(j.record.segment_id(), 3u);
  }
}

}  // namespace
}  // namespace ropekv::segment::test
