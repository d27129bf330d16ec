// Property test against a naive model (std::map with full version history),
// and determinism: replicas applying the same log agree on the digest.
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "test_util.hpp"

namespace ropekv::store::test {
namespace {

constexpr uint32_t ok = 0;
constexpr auto cf = static_cast<uint32_t>(errc::condition_failed);

struct mversion {
  uint64_t version = 0;
  bool put = false;
  std::string value;
  int64_t expires_ms = 0;
  std::optional<std::string> rk2;
};

using mkey = std::tuple<uint32_t, std::string, std::string>;

uint64_t tp_of(const mkey& k) { return (uint64_t{std::get<0>(k)} << 16) | part(std::get<1>(k)); }

// The store's semantics written the obvious way, recomputing everything.
struct model {
  std::map<mkey, std::vector<mversion>> items;
  std::map<uint64_t, uint64_t> max_issued;
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> voids;

  bool is_void(uint64_t tp, uint64_t v) const {
    auto it = voids.find(tp);
    if (it == voids.end()) return false;
    for (auto [lo, hi] : it->second) if (lo < v && v <= hi) return true;
    return false;
  }
  const mversion* latest(const mkey& k, uint64_t as_of = UINT64_MAX) const {
    auto it = items.find(k);
    if (it == items.end()) return nullptr;
    for (auto v = it->second.rbegin(); v != it->second.rend(); ++v) {
      if (v->version <= as_of && !is_void(tp_of(k), v->version)) return &*v;
    }
    return nullptr;
  }
  const mversion* visible(const mkey& k, int64_t now, uint64_t as_of = UINT64_MAX) const {
    auto* v = latest(k, as_of);
    if (v == nullptr || !v->put || (v->expires_ms != 0 && now >= v->expires_ms * 1000)) return nullptr;
    return v;
  }
  uint64_t next_version(uint64_t tp, int64_t ts) {
    uint64_t v = std::max(max_issued[tp] + 1, static_cast<uint64_t>(std::max<int64_t>(ts, 0)));
    max_issued[tp] = v;
    return v;
  }
  partition_info stats(uint64_t tp) const {
    partition_info p;
    for (const auto& [k, vs] : items) {
      if (tp_of(k) != tp) continue;
      for (const auto& v : vs) {
        if (!is_void(tp, v.version)) p.head_version = std::max(p.head_version, v.version);
      }
      auto* v = latest(k);
      if (v == nullptr || !v->put) continue;
      p.items += 1;
      p.bytes += std::get<1>(k).size() + std::get<2>(k).size() + v->value.size() + (v->rk2 ? v->rk2->size() : 0);
    }
    return p;
  }
  // Returns (error code, version) the store must report.
  std::pair<uint32_t, uint64_t> apply(const pb::Mutation& m) {
    int64_t ts = m.timestamp_us();
    auto live = [&](const mkey& k) { return visible(k, ts) != nullptr; };
    auto cond_ok = [&](const mkey& k, pb::Condition c, uint64_t expected) {
      switch (c) {
        case pb::COND_IF_ABSENT: return !live(k);
        case pb::COND_IF_EXISTS: return live(k);
        case pb::COND_IF_VERSION: return live(k) && visible(k, ts)->version == expected;
        default: return true;
      }
    };
    if (m.has_put()) {
      const auto& it = m.put().item();
      mkey k{it.table_id(), it.hash_key(), it.range_key()};
      if (!cond_ok(k, m.put().condition(), m.put().expected_version())) return {cf, 0};
      mversion v{next_version(tp_of(k), ts), true, it.value(), it.expires_at_ms(), std::nullopt};
      if (it.has_rk2()) v.rk2 = it.rk2();
      items[k].push_back(v);
      return {ok, v.version};
    }
    if (m.has_delete_()) {
      const auto& d = m.delete_();
      mkey k{d.table_id(), d.hash_key(), d.range_key()};
      if (!cond_ok(k, d.condition(), d.expected_version())) return {cf, 0};
      auto* cur = latest(k);
      if (cur == nullptr || !cur->put) return {ok, 0};
      mversion v{next_version(tp_of(k), ts), false, "", 0, std::nullopt};
      items[k].push_back(v);
      return {ok, v.version};
    }
    if (m.has_expire()) {
      const auto& e = m.expire();
      mkey k{e.table_id(), e.hash_key(), e.range_key()};
      auto* cur = latest(k);
      if (cur == nullptr || !cur->put || cur->version != e.version() || cur->expires_ms == 0 ||
          ts < cur->expires_ms * 1000) {
        return {cf, 0};
      }
      mversion v{next_version(tp_of(k), ts), false, "", 0, std::nullopt};
      items[k].push_back(v);
      return {ok, v.version};
    }
    if (m.has_rollback()) {
      const auto& r = m.rollback();
      uint64_t tp = (uint64_t{r.table_id()} << 16) | r.partition();
      uint64_t hi = std::max(max_issued[tp], r.to_version());
      voids[tp].emplace_back(r.to_version(), hi);
      return {ok, stats_head_at(tp, r.to_version())};
    }
    return {ok, 0};
  }
  uint64_t stats_head_at(uint64_t tp, uint64_t v) const {
    uint64_t head = 0;
    for (const auto& [k, vs] : items) {
      if (tp_of(k) != tp) continue;
      for (const auto& x : vs) {
        if (x.version <= v && !is_void(tp, x.version)) head = std::max(head, x.version);
      }
    }
    return head;
  }
};

// Generates a random but valid-looking mutation against the model's state.
class generator {
 public:
  explicit generator(uint32_t seed) : rng_(seed) {}
  std::vector<mkey> universe() const {
    std::vector<mkey> out;
    for (uint32_t t : {1u, 2u}) {
      for (const char* hk : {"a", "b", "c", "d"}) {
        for (const char* rk : {"", "x", "y"}) out.emplace_back(t, hk, rk);
      }
    }
    return out;
  }
  int64_t& clock() { return ts_; }
  pb::Mutation next(const model& m, segment_store& s) {
    ts_ += pick(0, 20'000);
    // Sometimes the proposer's clock is behind the partition's versions.
    int64_t ts = pick(0, 9) == 0 ? ts_ - pick(0, 200'000) : ts_;
    auto keys = universe();
    const mkey& k = keys[pick(0, static_cast<int>(keys.size()) - 1)];
    int op = pick(0, 99);
    auto cond = [&]() {
      int c = pick(0, 9);
      return c < 6 ? pb::COND_NONE : c == 6 ? pb::COND_IF_ABSENT : c == 7 ? pb::COND_IF_EXISTS : pb::COND_IF_VERSION;
    };
    auto expected = [&]() -> uint64_t {
      auto* v = m.latest(k);
      return v != nullptr && pick(0, 3) != 0 ? v->version : static_cast<uint64_t>(pick(1, 100));
    };
    if (op < 50) {
      put_args a;
      a.cond = cond();
      a.expected = expected();
      if (pick(0, 3) == 0) a.expires_ms = ts_ / 1000 + pick(1, 60);
      if (pick(0, 2) == 0) a.rk2 = std::string(pick(0, 3), 'q');
      return make_put(std::get<0>(k), std::get<1>(k), std::get<2>(k), std::string(pick(0, 20), 'v'), ts, a);
    }
    if (op < 72) return make_delete(std::get<0>(k), std::get<1>(k), std::get<2>(k), ts, cond(), expected());
    if (op < 80) {
      uint64_t tp = tp_of(k);
      auto it = m.max_issued.find(tp);
      uint64_t top = it == m.max_issued.end() ? 0 : it->second;
      uint64_t to = top == 0 ? 0 : top - std::min<uint64_t>(top, pick(0, 60'000));
      return make_rollback(std::get<0>(k), part(std::get<1>(k)), to, ts);
    }
    if (op < 88) {
      auto sw = s.sweep(ts_, 100);
      EXPECT_TRUE(sw.ok());
      if (sw.ok() && !sw->empty()) {
        auto e = (*sw)[pick(0, static_cast<int>(sw->size()) - 1)];
        e.set_timestamp_us(ts_);
        return e;
      }
    }
    if (op < 92) {
      pb::Mutation e;
      e.set_timestamp_us(ts);
      e.mutable_expire()->set_table_id(std::get<0>(k));
      e.mutable_expire()->set_hash_key(std::get<1>(k));
      e.mutable_expire()->set_range_key(std::get<2>(k));
      auto* v = m.latest(k);
      e.mutable_expire()->set_version(v != nullptr ? v->version : 1);
      return e;
    }
    return make_noop(ts);
  }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

 private:
  std::mt19937 rng_;
  int64_t ts_ = 1'000'000;
};

void check_sweep(const model& m, segment_store& s, const generator& g, int64_t now) {
  auto sw = s.sweep(now, 1000);
  ASSERT_TRUE(sw.ok());
  std::set<mkey> got, want;
  for (auto& e : *sw) got.emplace(e.expire().table_id(), e.expire().hash_key(), e.expire().range_key());
  for (const auto& k : g.universe()) {
    auto* v = m.latest(k);
    if (v != nullptr && v->put && v->expires_ms != 0 && now >= v->expires_ms * 1000) want.insert(k);
  }
  EXPECT_EQ(got, want);
}

void compare(const model& m, segment_store& s, generator& g, int step) {
  int64_t now = g.clock();
  std::set<uint64_t> tps;
  for (const auto& k : g.universe()) {
    tps.insert(tp_of(k));
    auto* want = m.visible(k, now);
    auto got = s.get(std::get<0>(k), std::get<1>(k), std::get<2>(k), {.now_us = now});
    if (want == nullptr) {
      ASSERT_FALSE(got.ok()) << "step " << step;
      ASSERT_EQ(got.error().code, errc::not_found);
    } else {
      ASSERT_TRUE(got.ok()) << "step " << step << " " << std::get<1>(k) << "/" << std::get<2>(k);
      ASSERT_EQ(got->version(), want->version) << "step " << step;
      ASSERT_EQ(got->value(), want->value);
      ASSERT_EQ(got->has_rk2(), want->rk2.has_value());
    }
  }
  // as_of reads at random versions.
  auto keys = g.universe();
  for (int i = 0; i < 4; ++i) {
    const auto& k = keys[g.pick(0, static_cast<int>(keys.size()) - 1)];
    auto it = m.max_issued.find(tp_of(k));
    if (it == m.max_issued.end()) continue;
    uint64_t as_of = 1 + static_cast<uint64_t>(g.pick(0, static_cast<int>(std::min<uint64_t>(it->second, 1u << 30))));
    auto* want = m.visible(k, now, as_of);
    auto got = s.get(std::get<0>(k), std::get<1>(k), std::get<2>(k), {.now_us = now, .as_of = as_of});
    ASSERT_EQ(got.ok(), want != nullptr) << "step " << step << " as_of " << as_of;
    if (want) {
      ASSERT_EQ(got->version(), want->version);
    }
  }
  for (uint64_t tp : tps) {
    auto want = m.stats(tp);
    auto got = s.partition(static_cast<uint32_t>(tp >> 16), static_cast<uint16_t>(tp & 0xFFFF));
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(got->items, want.items) << "step " << step << " tp " << tp;
    ASSERT_EQ(got->bytes, want.bytes) << "step " << step;
    ASSERT_EQ(got->head_version, want.head_version) << "step " << step;
  }
}

TEST(store_model, random_sequences_agree_with_naive_model) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    temp_dir dir;
    auto s = open_store(dir.file("s.db"));
    model m;
    generator g(seed);
    for (int step = 0; step < 500; ++step) {
      auto mut = g.next(m, *s);
      auto want = m.apply(mut);
      auto got = s->apply(mut);
      ASSERT_TRUE(got.ok()) << got.error().message;
      ASSERT_EQ(got->error_code(), want.first) << "seed " << seed << " step " << step << " " << mut.ShortDebugString();
      ASSERT_EQ(got->version(), want.second) << "seed " << seed << " step " << step << " " << mut.ShortDebugString();
      compare(m, *s, g, step);
      if (HasFatalFailure()) return;
      if (step % 50 == 49) {
        check_sweep(m, *s, g, g.clock());
        // Reopening must give the same answers (caches rebuilt from the file).
        auto path = s->path();
        s.reset();
        s = open_store(path);
        compare(m, *s, g, step);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(store_model, replicas_applying_the_same_log_have_equal_digests) {
  temp_dir dir;
  auto leader = open_store(dir.file("leader.db"));
  auto single = open_store(dir.file("single.db"));
  auto batched = open_store(dir.file("batched.db"));
  model m;
  generator g(11);
  std::vector<pb::Mutation> log;
  for (int i = 0; i < 400; ++i) {
    log.push_back(g.next(m, *leader));
    m.apply(log.back());
    ASSERT_TRUE(leader->apply(log.back(), log.size()).ok());
  }
  // One replica applies entry by entry with replays after "restarts".
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_TRUE(single->apply(log[i], i + 1).ok());
    if (i % 37 == 0) {
      for (size_t j = i >= 5 ? i - 5 : 0; j <= i; ++j) ASSERT_TRUE(single->apply(log[j], j + 1).ok());
    }
  }
  // Another in group commits of varying size, also with overlap.
  size_t i = 0;
  while (i < log.size()) {
    size_t n = 1 + (i * 7) % 23;
    size_t from = i >= 3 ? i - 3 : 0;
    std::vector<indexed_mutation> batch;
    for (size_t j = from; j < std::min(log.size(), i + n); ++j) batch.push_back({&log[j], j + 1});
    ASSERT_TRUE(batched->apply_batch(batch).ok());
    i += n;
  }
  auto d = *leader->digest();
  EXPECT_EQ(*single->digest(), d);
  EXPECT_EQ(*batched->digest(), d);
  EXPECT_EQ(batched->applied_index(), log.size());
  // And the digest notices a difference.
  must_apply(*single, make_put(1, "a", "", "diverge", 1), log.size() + 1);
  EXPECT_NE(*single->digest(), d);
}

}  // namespace
}  // namespace ropekv::store::test
