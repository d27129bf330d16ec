// Split through the log: every replica splits at the same log index; the
// left half keeps the group, the right half starts a new group from an
// identical snapshot on every member; no write is lost or applied twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "ropekv/consensus/replica.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {
namespace {

constexpr uint64_t seg = 10;
constexpr uint64_t left_id = 11;
constexpr uint64_t right_id = 12;

class split : public ::testing::Test {
 protected:
  void SetUp() override {
    c.create_group(store::segment_meta{seg, "", "", 1});
    auto l = c.wait_leader(seg);
    ASSERT_TRUE(l.has_value());
    leader = *l;
    // Split in the middle of the keys the tests write.
    std::vector<std::string> ks;
    for (int i = 0; i < 40; ++i) ks.push_back(key_of("k" + std::to_string(i)));
    std::sort(ks.begin(), ks.end());
    at = ks[20];
  }

  bool is_left(const std::string& hk) const { return key_of(hk) < at; }

  pb::SplitRequest split_req() const {
    pb::SplitRequest r;
    r.set_at_key(at);
    r.set_left_segment_id(left_id);
    r.set_right_segment_id(right_id);
    return r;
  }

  // Every up node holds both halves with the new meta.
  bool split_everywhere() {
    for (unsigned i = 0; i < c.size(); ++i) {
      if (!c.up(i)) continue;
      auto* l = c.replica(i, seg);
      auto* r = c.replica(i, right_id);
      if (l == nullptr || r == nullptr || l->meta().segment_id != left_id) return false;
    }
    return true;
  }

  // Writes hk on the leader of the half that owns it.
  pb::WriteReply write_owned(const std::string& hk, const std::string& v) {
    uint64_t g = is_left(hk) ? seg : right_id;
    auto l = c.wait_leader(g);
    if (!l) return {};
    return c.write(*l, g, put_req(hk, v));
  }

  sim_cluster c;
  unsigned leader = 0;
  std::string at;
};

TEST_F(split, every_replica_splits_at_the_same_index_and_both_halves_go_on) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("k" + std::to_string(i), "before")).status().error_code(), 0u);
  }
  auto rep = c.split(leader, seg, split_req());
  ASSERT_EQ(rep.status().error_code(), 0u) << rep.status().message();
  EXPECT_EQ(rep.segment().id(), left_id);
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 3000));

  for (unsigned i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c.replica(i, seg)->meta(), (store::segment_meta{left_id, "", at, 2}));
    EXPECT_EQ(c.replica(i, right_id)->meta(), (store::segment_meta{right_id, at, "", 2}));
    EXPECT_EQ(c.replica(i, right_id)->members().size(), 3u);
  }
  ASSERT_TRUE(c.wait_leader(right_id).has_value());

  for (int i = 0; i < 40; ++i) {
    auto w = write_owned("k" + std::to_string(i), "after");
    ASSERT_EQ(w.status().error_code(), 0u) << w.status().message();
  }
  for (int i = 0; i < 40; ++i) {
    std::string hk = "k" + std::to_string(i);
    uint64_t g = is_left(hk) ? seg : right_id;
    auto got = c.get(*c.wait_leader(g), g, get_req(hk));
    ASSERT_EQ(got.status().error_code(), 0u) << hk;
    EXPECT_EQ(got.item().value(), "after");
  }
  ASSERT_TRUE(c.settle(seg));
  ASSERT_TRUE(c.settle(right_id));
  EXPECT_TRUE(c.converged(seg));
  EXPECT_TRUE(c.converged(right_id));
}

TEST_F(split, keys_routed_to_the_wrong_half_get_wrong_segment) {
  ASSERT_EQ(c.split(leader, seg, split_req()).status().error_code(), 0u);
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 3000));
  auto rl = c.wait_leader(right_id);
  ASSERT_TRUE(rl.has_value());
  auto ll = c.wait_leader(seg);
  std::string left_hk, right_hk;
  for (int i = 0; i < 40 && (left_hk.empty() || right_hk.empty()); ++i) {
    std::string hk = "k" + std::to_string(i);
    (is_left(hk) ? left_hk : right_hk) = hk;
  }
  EXPECT_EQ(code(c.write(*rl, right_id, put_req(left_hk, "v")).status()), errc::wrong_segment);
  EXPECT_EQ(code(c.get(*rl, right_id, get_req(left_hk)).status()), errc::wrong_segment);
  EXPECT_EQ(code(c.write(*ll, seg, put_req(right_hk, "v")).status()), errc::wrong_segment);
  EXPECT_EQ(code(c.get(*ll, seg, get_req(right_hk, pb::EVENTUAL)).status()), errc::wrong_segment);
  // Routed by the pre-split rope: the old segment id, or the old epoch.
  auto old_id = put_req(left_hk, "v");
  old_id.mutable_routing()->set_segment_id(seg);
  EXPECT_EQ(code(c.write(*ll, seg, old_id).status()), errc::wrong_segment);
  auto old_epoch = put_req(left_hk, "v");
  old_epoch.mutable_routing()->set_segment_id(left_id);
  old_epoch.mutable_routing()->set_epoch(1);
  EXPECT_EQ(code(c.write(*ll, seg, old_epoch).status()), errc::wrong_segment);
  old_epoch.mutable_routing()->set_epoch(2);
  EXPECT_EQ(c.write(*ll, seg, old_epoch).status().error_code(), 0u);
}

TEST_F(split, writes_racing_the_split_are_neither_lost_nor_applied_twice) {
  auto* r = c.replica(leader, seg);
  std::map<std::string, pb::Status> outcome;
  auto issue = [&](int i) {
    std::string hk = "k" + std::to_string(i);
    r->write(put_req(hk, "v" + std::to_string(i)), [&outcome, hk](pb::WriteReply rep) { outcome[hk] = rep.status(); });
  };
  // Half the writes are queued before the split entry, half after: all
  // arrive in the same poll, so they share log batches with the split.
  for (int i = 0; i < 20; ++i) issue(i);
  std::optional<pb::AdminReply> split_reply;
  r->split(split_req(), [&](pb::AdminReply rep) { split_reply = std::move(rep); });
  for (int i = 20; i < 40; ++i) issue(i);
  ASSERT_TRUE(c.run_until([&] { return split_reply.has_value() && outcome.size() == 40; }, 3000));
  ASSERT_EQ(split_reply->status().error_code(), 0u);
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 3000));

  int rerouted = 0;
  for (auto& [hk, st] : outcome) {
    if (code(st) == errc::wrong_segment) {
      // Ordered after the split, for a key the left half no longer holds:
      // applied nowhere; the client retries at the right half.
      EXPECT_FALSE(is_left(hk));
      ++rerouted;
      ASSERT_EQ(write_owned(hk, "v" + hk.substr(1)).status().error_code(), 0u);
    } else {
      ASSERT_EQ(st.error_code(), 0u) << hk << ": " << st.message();
    }
  }
  EXPECT_GT(rerouted, 0);  // the writes queued after the split were cut off
  ASSERT_TRUE(c.settle(seg));
  ASSERT_TRUE(c.settle(right_id));

  // Each key has exactly one put in the feed of the half that owns it.
  std::map<std::string, int> puts;
  for (uint64_t g : {seg, right_id}) {
    pb::ChangesRequest cr;
    cr.set_limit(10000);
    auto feed = c.changes(*c.wait_leader(g), g, cr);
    ASSERT_EQ(feed.status().error_code(), 0u);
    for (const auto& e : feed.events()) {
      if (e.kind() == pb::CHANGE_CREATE) ++puts[e.item().hash_key()];
    }
  }
  ASSERT_EQ(puts.size(), 40u);
  for (auto& [hk, n] : puts) EXPECT_EQ(n, 1) << hk;
  EXPECT_TRUE(c.converged(seg));
  EXPECT_TRUE(c.converged(right_id));
}

TEST_F(split, a_lagging_follower_splits_when_it_catches_up) {
  unsigned lag = (leader + 1) % c.size();
  c.net().isolate(c.id(lag));
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("k" + std::to_string(i), "a")).status().error_code(), 0u);
  }
  ASSERT_EQ(c.split(leader, seg, split_req()).status().error_code(), 0u);
  EXPECT_EQ(c.replica(lag, right_id), nullptr);
  // The right half elects with the two members that have it, and takes writes.
  for (int i = 20; i < 40; ++i) {
    ASSERT_EQ(write_owned("k" + std::to_string(i), "b").status().error_code(), 0u);
  }
  c.net().heal_all();
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 5000));
  ASSERT_TRUE(c.settle(seg));
  ASSERT_TRUE(c.settle(right_id));
  EXPECT_TRUE(c.converged(seg));
  EXPECT_TRUE(c.converged(right_id));
  EXPECT_EQ(c.replica(lag, seg)->stats().missed_splits, 0u);
}

TEST_F(split, both_halves_reopen_after_a_crash) {
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(c.write(leader, seg, put_req("k" + std::to_string(i), "a")).status().error_code(), 0u);
  }
  ASSERT_EQ(c.split(leader, seg, split_req()).status().error_code(), 0u);
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 3000));
  unsigned victim = (leader + 2) % c.size();
  c.crash(victim);
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(write_owned("k" + std::to_string(i), "b").status().error_code(), 0u);
  }
  c.restart(victim);
  ASSERT_NE(c.replica(victim, seg), nullptr);
  ASSERT_NE(c.replica(victim, right_id), nullptr);
  ASSERT_TRUE(c.settle(seg));
  ASSERT_TRUE(c.settle(right_id));
  EXPECT_TRUE(c.converged(seg));
  EXPECT_TRUE(c.converged(right_id));
}

TEST_F(split, a_crash_between_commit_point_and_rename_is_finished_on_open) {
  ASSERT_EQ(c.split(leader, seg, split_req()).status().error_code(), 0u);
  ASSERT_TRUE(c.run_until([&] { return split_everywhere(); }, 3000));
  unsigned victim = (leader + 1) % c.size();
  uint64_t applied = c.replica(victim, seg)->applied_index();
  std::string right = c.replica(victim, right_id)->path();
  c.crash(victim);
  // What the disk holds when the process dies after installing the left
  // half but before renaming the right file into place; plus the leftover
  // of a split that never reached its commit point.
  auto dir = std::filesystem::path(right).parent_path();
  std::filesystem::rename(right, dir / ("split-10-" + std::to_string(applied) + ".right.tmp"));
  std::filesystem::copy_file(dir / ("split-10-" + std::to_string(applied) + ".right.tmp"),
                             dir / ("split-10-" + std::to_string(applied + 100) + ".right.tmp"));
  c.restart(victim);
  ASSERT_NE(c.replica(victim, right_id), nullptr);
  EXPECT_TRUE(std::filesystem::exists(right));
  EXPECT_FALSE(std::filesystem::exists(dir / ("split-10-" + std::to_string(applied + 100) + ".right.tmp")));
  ASSERT_TRUE(c.settle(right_id));
  EXPECT_TRUE(c.converged(right_id));
}

TEST_F(split, bad_split_requests_are_refused_before_proposing) {
  auto outside = split_req();
  outside.set_at_key("");
  EXPECT_EQ(code(c.split(leader, seg, outside).status()), errc::invalid_argument);
  auto same_ids = split_req();
  same_ids.set_right_segment_id(left_id);
  EXPECT_EQ(code(c.split(leader, seg, same_ids).status()), errc::invalid_argument);
  ASSERT_TRUE(c.run_until([&] { return c.replica((leader + 1) % 3, seg)->leader_hint() == c.id(leader); }, 1000));
  auto f = c.split((leader + 1) % c.size(), seg, split_req());
  EXPECT_EQ(code(f.status()), errc::not_leader);
  EXPECT_EQ(f.status().leader_hint(), c.id(leader).value);
}

}  // namespace
}  // namespace ropekv::segment::test
