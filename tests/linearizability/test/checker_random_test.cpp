// Generated histories: a real sequential execution against a std::map, with
// each operation given a random interval that contains the moment it took
// effect. Such a history is linearizable by construction; mutating one read
// to something provably impossible must make it not linearizable.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ropekv/linearizability/checker.hpp"

namespace ropekv::lin {
namespace {

struct gen_config {
  int clients = 4;
  int ops_per_client = 15;
  int keys = 3;
  int max_duration = 40;   // interval length; longer means more overlap
  int max_gap = 10;        // think time between one client's operations
  double unknown = 0.05;   // outcome lost, but the op took effect
  double vanished = 0.05;  // outcome lost and the op never took effect
};

// Uniform in [0, n).
int64_t below(std::mt19937_64& rng, int64_t n) {
  return static_cast<int64_t>(rng() % static_cast<uint64_t>(n));
}

op_input random_input(std::mt19937_64& rng, std::vector<std::string>& written,
                      int& counter) {
  auto fresh = [&] {
    written.push_back("v" + std::to_string(counter++));
    return written.back();
  };
  auto recent = [&]() -> std::string {  // likely the current value
    if (written.empty()) return "v-none";
    const size_t back = std::min<size_t>(written.size(), 3);
    return written[written.size() - 1 - rng() % back];
  };
  switch (rng() % 10) {
    case 0: case 1: case 2: case 3: return get();
    case 4: case 5: return put(fresh());
    case 6: return put_if_absent(fresh());
    case 7: { auto e = recent(); return put_if_value(e, fresh()); }
    case 8: return del();
    default: return del_if_value(recent());
  }
}

// Applies `in` to `store` and returns what the client would see.
op_output apply(std::map<std::string, std::string>& store, const std::string& key,
                const op_input& in) {
  auto it = store.find(key);
  const std::optional<std::string> cur =
      it == store.end() ? std::nullopt : std::optional(it->second);
  if (in.kind == op_kind::get) return cur ? read_value(*cur) : read_absent();
  bool holds = true;
  if (in.cond == condition::if_absent) holds = !cur;
  if (in.cond == condition::if_present) holds = cur.has_value();
  if (in.cond == condition::if_value) holds = cur == in.expected;
  if (!holds) return write_failed();
  if (in.kind == op_kind::put) store[key] = in.value;
  else store.erase(key);
  return write_ok();
}

std::vector<operation> generate(const gen_config& cfg, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  struct planned {
    operation op;
    int64_t effect_time;
    bool takes_effect;
  };
  std::vector<planned> plan;
  std::map<std::string, std::vector<std::string>> written;
  int counter = 0;
  for (int c = 0; c < cfg.clients; ++c) {
    int64_t t = below(rng, cfg.max_gap);
    for (int i = 0; i < cfg.ops_per_client; ++i) {
      const std::string key = "k" + std::to_string(below(rng, cfg.keys));
      const int64_t duration = 2 + below(rng, cfg.max_duration);
      planned p;
      p.op.client = client_id{static_cast<uint64_t>(c)};
      p.op.key = key;
      p.op.input = random_input(rng, written[key], counter);
      p.op.invoke_time = t;
      p.op.return_time = t + duration;
      p.effect_time = t + 1 + below(rng, duration - 1);
      p.takes_effect = coin(rng) >= cfg.vanished;
      plan.push_back(std::move(p));
      t += duration + 1 + below(rng, cfg.max_gap);
    }
  }
  // Execute in effect-time order: that order is the witness linearization.
  std::stable_sort(plan.begin(), plan.end(), [](const planned& a, const planned& b) {
    return a.effect_time < b.effect_time;
  });
  std::map<std::string, std::string> store;
  std::vector<operation> history;
  for (planned& p : plan) {
    if (p.takes_effect) p.op.output = apply(store, p.op.key, p.op.input);
    if (!p.takes_effect || coin(rng) < cfg.unknown) {
      p.op.output.reset();
      p.op.return_time = unknown_return;
    }
    history.push_back(std::move(p.op));
  }
  return history;
}

std::vector<size_t> completed_gets(const std::vector<operation>& h) {
  std::vector<size_t> out;
  for (size_t i = 0; i < h.size(); ++i) {
    if (h[i].input.kind == op_kind::get && h[i].outcome_known()) out.push_back(i);
  }
  return out;
}

TEST(checker_random, executions_are_accepted_and_impossible_reads_rejected) {
  int mutated = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    std::vector<operation> h = generate(gen_config{}, seed);
    const check_result good = check_history(h);
    ASSERT_EQ(good.outcome, verdict::linearizable) << "seed " << seed << "\n" << good.explanation;

    const auto gets = completed_gets(h);
    if (gets.empty()) continue;
    const size_t victim = gets[seed % gets.size()];
    h[victim].output = read_value("never-written");  // no write produces it
    const check_result bad = check_history(h);
    ASSERT_EQ(bad.outcome, verdict::not_linearizable) << "seed " << seed;
    EXPECT_EQ(bad.key, h[victim].key);
    ++mutated;
  }
  EXPECT_GT(mutated, 250);
}

TEST(checker_random, reads_from_the_future_are_rejected) {
  // A value written only by a put invoked after the read returned cannot be
  // seen by that read: values are unique, so this is provably illegal.
  int mutated = 0;
  for (uint64_t seed = 1000; seed < 1300; ++seed) {
    std::vector<operation> h = generate(gen_config{}, seed);
    for (size_t g : completed_gets(h)) {
      auto later = std::find_if(h.begin(), h.end(), [&](const operation& w) {
        return w.key == h[g].key && w.input.kind == op_kind::put &&
               w.invoke_time > h[g].return_time;
      });
      if (later == h.end()) continue;
      h[g].output = read_value(later->input.value);
      const check_result bad = check_history(h);
      ASSERT_EQ(bad.outcome, verdict::not_linearizable) << "seed " << seed;
      EXPECT_EQ(bad.key, h[g].key);
      ++mutated;
      break;
    }
  }
  EXPECT_GT(mutated, 200);
}

TEST(checker_random, large_history_is_fast) {
  // 8 clients x 200 ops over 10 keys; runs in milliseconds in practice.
  gen_config cfg;
  cfg.clients = 8;
  cfg.ops_per_client = 200;
  cfg.keys = 10;
  cfg.max_duration = 60;
  cfg.unknown = 0.02;
  cfg.vanished = 0.02;
  std::vector<operation> h = generate(cfg, 42);
  const check_result good = check_history(h);
  ASSERT_EQ(good.outcome, verdict::linearizable) << good.explanation;

  const auto gets = completed_gets(h);
  ASSERT_FALSE(gets.empty());
  h[gets[gets.size() / 2]].output = read_value("never-written");
  EXPECT_EQ(check_history(h).outcome, verdict::not_linearizable);
}

TEST(checker_random, stale_follower_reads_are_rejected) {
  // A deterministic stand-in for the broken replica the chaos suite must
  // catch: writes commit on the leader, "strong" reads are served by a
  // follower that applies the log two entries late.
  std::vector<operation> h;
  std::vector<std::string> log;
  int64_t t = 0;
  for (int i = 0; i < 20; ++i) {
    const std::string v = "v" + std::to_string(i);
    h.push_back(operation{client_id{1}, "k", put(v), write_ok(), t, t + 5});
    log.push_back(v);
    const size_t applied = log.size() > 2 ? log.size() - 2 : 0;
    const op_output seen = applied == 0 ? read_absent() : read_value(log[applied - 1]);
    h.push_back(operation{client_id{2}, "k", get(), seen, t + 6, t + 9});
    t += 10;
  }
  const check_result r = check_history(h);
  EXPECT_EQ(r.outcome, verdict::not_linearizable);
  EXPECT_EQ(r.key, "k");
}

}  // namespace
}  // namespace ropekv::lin
