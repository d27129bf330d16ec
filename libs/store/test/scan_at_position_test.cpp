// Scans at a change-feed position (scan_query::at_position): the state once
// the events up to that position had applied, checked against snapshots of
// a naive model taken after every event; rollbacks before and after the
// position; TTL; paging while writes go on; floors after compaction.
#include <map>
#include <random>
#include <tuple>
#include <vector>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

// Encoded key -> (value, version) of every item present.
using state = std::map<std::string, std::pair<std::string, uint64_t>>;

std::string enc(uint32_t table, const std::string& hk, const std::string& rk) {
  return keys::encode(keys::item_key{table, part(hk), hk, rk});
}

// Every page of a scan at `position` (limit small, so it pages).
result<state> scan_all(segment_store& s, uint64_t position, size_t limit = 7) {
  state out;
  scan_query q;
  q.limit = limit;
  q.at_position = position;
  q.read.now_us = 0;
  for (int pages = 0; pages < 10000; ++pages) {
    auto p = s.scan(q);
    if (!p) return std::move(p).error();
    for (const auto& it : p->items) {
      auto key = enc(it.table_id(), it.hash_key(), it.range_key());
      EXPECT_TRUE(out.emplace(key, std::pair{it.value(), it.version()}).second) << "twice: " << it.hash_key();
      EXPECT_FALSE(it.has_rk2() && it.rk2().empty());
    }
    if (p->next_cursor.empty()) return out;
    q.cursor = p->next_cursor;
  }
  ADD_FAILURE() << "scan did not end";
  return out;
}

// The store's visible state written the obvious way: per key its versions,
// per partition the void ranges applied so far. TTL is not applied.
struct model {
  struct version {
    uint64_t v = 0;
    bool put = false;
    std::string value;
  };
  std::map<std::string, std::pair<uint64_t, std::vector<version>>> items;  // key -> (tp, versions)
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> voids;
  std::map<uint64_t, uint64_t> max_issued;
  std::map<uint64_t, std::vector<uint64_t>> issued;  // every version per tp

  bool is_void(uint64_t tp, uint64_t v) const {
    auto it = voids.find(tp);
    if (it == voids.end()) return false;
    for (auto [lo, hi] : it->second)
      if (lo < v && v <= hi) return true;
    return false;
  }
  void record(uint64_t tp, const std::string& key, uint64_t v, bool put, std::string value) {
    items[key].first = tp;
    items[key].second.push_back({v, put, std::move(value)});
    max_issued[tp] = std::max(max_issued[tp], v);
    issued[tp].push_back(v);
  }
  void rollback(uint64_t tp, uint64_t to) { voids[tp].emplace_back(to, std::max(max_issued[tp], to)); }
  state now() const {
    state out;
    for (const auto& [key, entry] : items) {
      const auto& [tp, vs] = entry;
      for (auto it = vs.rbegin(); it != vs.rend(); ++it) {
        if (is_void(tp, it->v)) continue;
        if (it->put) out[key] = {it->value, it->v};
        break;
      }
    }
    return out;
  }
};

uint64_t tp_of(uint32_t table, const std::string& hk) { return (uint64_t{table} << 16) | part(hk); }

class store_scan_at_position : public ::testing::Test {
 protected:
  void SetUp() override { s_ = open_store(dir_.file("seg.db")); }

  // Applies m, keeps the model in step and, when the store issued a
  // position, the model's state at it.
  void apply(const pb::Mutation& m) {
    auto r = must_apply(*s_, m);
    if (r.error_code() != 0 || r.position() == 0) return;
    if (m.has_put()) {
      const auto& it = m.put().item();
      model_.record(tp_of(it.table_id(), it.hash_key()), enc(it.table_id(), it.hash_key(), it.range_key()),
                    r.version(), true, it.value());
    } else if (m.has_delete_() || m.has_expire()) {
      uint32_t t = m.has_expire() ? m.expire().table_id() : m.delete_().table_id();
      const auto& hk = m.has_expire() ? m.expire().hash_key() : m.delete_().hash_key();
      const auto& rk = m.has_expire() ? m.expire().range_key() : m.delete_().range_key();
      model_.record(tp_of(t, hk), enc(t, hk, rk), r.version(), false, "");
    } else if (m.has_rollback()) {
      model_.rollback((uint64_t{m.rollback().table_id()} << 16) | m.rollback().partition(),
                      m.rollback().to_version());
    }
    at_[r.position()] = model_.now();
  }

  void check_all_positions() {
    ASSERT_FALSE(at_.empty());
    EXPECT_EQ(at_.rbegin()->first, s_->last_position());
    for (const auto& [p, want] : at_) {
      auto got = scan_all(*s_, p);
      ASSERT_TRUE(got.ok()) << "position " << p << ": " << got.error().message;
      EXPECT_EQ(*got, want) << "position " << p;
    }
  }

  temp_dir dir_;
  std::unique_ptr<segment_store> s_;
  model model_;
  std::map<uint64_t, state> at_;  // position -> expected state
};

TEST_F(store_scan_at_position, every_position_matches_the_model) {
  std::mt19937 rng(42);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  int64_t ts = 1'000'000;
  for (int i = 0; i < 600; ++i) {
    ts += 1000;
    uint32_t table = 1 + static_cast<uint32_t>(pick(2));
    std::string hk = "h" + std::to_string(pick(5));
    std::string rk = "r" + std::to_string(pick(3));
    int op = pick(100);
    if (op < 55) {
      put_args a;
      if (pick(4) == 0) a.expires_ms = ts / 1000 + 1 + pick(20);  // expires within a few ops
      if (pick(3) == 0) a.rk2 = "i" + std::to_string(pick(9));
      apply(make_put(table, hk, rk, "v" + std::to_string(i), ts, a));
    } else if (op < 75) {
      apply(make_delete(table, hk, rk, ts));
    } else if (op < 90) {
      auto expires = s_->sweep(ts, 3);
      ASSERT_TRUE(expires.ok());
      for (const auto& m : *expires) apply(m);
    } else {
      uint64_t tp = tp_of(table, hk);
      const auto& vs = model_.issued[tp];
      if (vs.empty()) continue;
      // Back a few versions, or to before the partition's first one.
      size_t back = 1 + static_cast<size_t>(pick(4));
      uint64_t to = back >= vs.size() ? 0 : vs[vs.size() - 1 - back];
      apply(make_rollback(table, part(hk), to, ts));
    }
  }
  ASSERT_GT(at_.size(), 400u);
  check_all_positions();
  // The latest state with TTL off is the state at the last position.
  scan_query q;
  q.limit = 10000;
  q.read.now_us = 0;
  auto latest = s_->scan(q);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->items.size(), at_.rbegin()->second.size());
}

TEST_F(store_scan_at_position, rollbacks_apply_only_at_or_after_their_position) {
  apply(make_put(1, "a", "", "a1", 1'000'000));
  auto v1 = s_->get(1, "a", "", {}).value().version();
  apply(make_put(1, "b", "", "b1", 1'001'000));
  apply(make_put(1, "a", "", "a2", 1'002'000));
  uint64_t before = s_->last_position();
  apply(make_delete(1, "b", "", 1'003'000));
  apply(make_rollback(1, part("a"), v1, 1'004'000));  // a back to a1
  uint64_t rolled = s_->last_position();
  apply(make_put(1, "a", "", "a3", 1'005'000));
  auto at_before = scan_all(*s_, before);
  ASSERT_TRUE(at_before.ok());
  EXPECT_EQ(at_before->at(enc(1, "a", "")).first, "a2");  // the later rollback is not applied
  auto at_rolled = scan_all(*s_, rolled);
  ASSERT_TRUE(at_rolled.ok());
  EXPECT_EQ(at_rolled->at(enc(1, "a", "")).first, "a1");
  check_all_positions();
}

TEST_F(store_scan_at_position, expired_items_stay_until_their_expire_event) {
  apply(make_put(1, "t", "", "ttl", 1'000'000, {.expires_ms = 1'500}));
  uint64_t p = s_->last_position();
  scan_query latest;
  latest.read.now_us = 2'000'000;
  EXPECT_TRUE(s_->scan(latest)->items.empty());
  scan_query at = latest;
  at.at_position = p;
  EXPECT_EQ(s_->scan(at)->items.size(), 1u) << "TTL is not applied at a position";
  auto sweep = s_->sweep(2'000'000, 10);
  ASSERT_EQ(sweep->size(), 1u);
  apply(sweep->front());
  at.at_position = s_->last_position();
  EXPECT_TRUE(s_->scan(at)->items.empty());
  check_all_positions();
}

TEST_F(store_scan_at_position, pages_keep_reading_at_the_position_while_writes_go_on) {
  int64_t ts = 1'000'000;
  for (int i = 0; i < 20; ++i) apply(make_put(1, "k" + std::to_string(i), "", "old", ts += 1000));
  uint64_t p = s_->last_position();
  scan_query q;
  q.limit = 4;
  q.at_position = p;
  std::vector<std::string> seen;
  for (int page = 0;; ++page) {
    auto r = s_->scan(q);
    ASSERT_TRUE(r.ok()) << r.error().message;
    for (const auto& it : r->items) {
      EXPECT_EQ(it.value(), "old");
      seen.push_back(it.hash_key());
    }
    // Between pages: overwrite, delete, add, and roll back the first key.
    std::string k = "k" + std::to_string(page);
    apply(make_put(1, k, "", "new", ts += 1000));
    apply(make_delete(1, "k" + std::to_string(19 - page), "", ts += 1000));
    apply(make_put(1, "n" + std::to_string(page), "", "new", ts += 1000));
    apply(make_rollback(1, part("k0"), 0, ts += 1000));
    if (r->next_cursor.empty()) break;
    q.cursor = r->next_cursor;
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(store_scan_at_position, positions_not_applied_are_unavailable) {
  scan_query q;
  q.at_position = 1;
  EXPECT_EQ(s_->scan(q).error().code, errc::unavailable);
  apply(make_put(1, "a", "", "v", 1'000'000));
  EXPECT_TRUE(s_->scan(q).ok());
  q.at_position = 2;
  EXPECT_EQ(s_->scan(q).error().code, errc::unavailable);
}

// Compaction drops rows that older states held: scans before the events
// that made them droppable are version_gone, later ones still exact.
TEST_F(store_scan_at_position, compaction_raises_the_floor_to_what_it_dropped) {
  store_options o;
  o.retention_us = 1'000'000;
  s_.reset();
  s_ = open_store(dir_.file("seg.db"), o);
  std::string b = "b";  // in another partition than "a"
  for (int i = 0; part(b) == part("a"); ++i) b = "b" + std::to_string(i);
  int64_t t0 = 10'000'000;
  apply(make_put(1, "a", "", "a1", t0));
  uint64_t v1 = s_->get(1, "a", "", {}).value().version();
  apply(make_put(1, b, "", "b1", t0 + 1000));
  uint64_t p_before = s_->last_position();
  apply(make_put(1, "a", "", "a2", t0 + 2000));  // voided below
  uint64_t p_voided = s_->last_position();
  apply(make_rollback(1, part("a"), v1, t0 + 3000));
  uint64_t p_rollback = s_->last_position();
  apply(make_put(1, "c", "", "c1", t0 + 4000));
  // Horizon below every version: only the voided row goes.
  ASSERT_EQ(*s_->compact(t0 + 5), 1u);
  for (uint64_t p : {p_before, p_voided}) {
    auto r = scan_all(*s_, p);
    ASSERT_FALSE(r.ok()) << "position " << p;
    EXPECT_EQ(r.error().code, errc::version_gone);
  }
  for (uint64_t p : {p_rollback, s_->last_position()}) {
    auto r = scan_all(*s_, p);
    ASSERT_TRUE(r.ok()) << "position " << p << ": " << r.error().message;
    EXPECT_EQ(*r, at_[p]);
  }
  // A superseded version goes once the version superseding it is past the
  // horizon: the floor is that version's position.
  apply(make_put(1, b, "", "b2", t0 + 5000));
  uint64_t p_b2 = s_->last_position();
  apply(make_put(1, "d", "", "d1", t0 + 6000));
  ASSERT_EQ(*s_->compact(t0 + 5500 + o.retention_us), 1u);
  EXPECT_EQ(scan_all(*s_, p_b2 - 1).error().code, errc::version_gone);
  for (uint64_t p : {p_b2, s_->last_position()}) {
    auto r = scan_all(*s_, p);
    ASSERT_TRUE(r.ok()) << "position " << p << ": " << r.error().message;
    EXPECT_EQ(*r, at_[p]);
  }

  // Reopened, the store does not know what was dropped: only its last
  // position (and later ones) can be read.
  s_.reset();
  s_ = open_store(dir_.file("seg.db"), o);
  uint64_t last = s_->last_position();
  EXPECT_EQ(scan_all(*s_, last - 1).error().code, errc::version_gone);
  auto at_last = scan_all(*s_, last);
  ASSERT_TRUE(at_last.ok());
  EXPECT_EQ(*at_last, at_[last]);
}

TEST_F(store_scan_at_position, a_reopened_store_without_compaction_reads_every_position) {
  int64_t ts = 1'000'000;
  for (int i = 0; i < 10; ++i) apply(make_put(1, "k" + std::to_string(i % 4), "", std::to_string(i), ts += 1000));
  apply(make_rollback(1, part("k1"), 0, ts += 1000));
  s_.reset();
  s_ = open_store(dir_.file("seg.db"));
  check_all_positions();
}

TEST_F(store_scan_at_position, split_halves_read_at_the_parent_positions) {
  int64_t ts = 1'000'000;
  for (int i = 0; i < 12; ++i) apply(make_put(1, "k" + std::to_string(i), "", std::to_string(i), ts += 1000));
  uint64_t p = s_->last_position() - 5;
  std::string at = enc(1, "k5", "");
  auto halves = s_->split(at, dir_.file("l.db"), dir_.file("r.db"));
  ASSERT_TRUE(halves.ok()) << halves.error().message;
  state both;
  for (auto* half : {halves->left.get(), halves->right.get()}) {
    auto got = scan_all(*half, p);
    ASSERT_TRUE(got.ok()) << got.error().message;
    both.insert(got->begin(), got->end());
  }
  EXPECT_EQ(both, at_[p]);
}

}  // namespace
}  // namespace ropekv::store::test
