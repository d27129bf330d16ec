// Cross-check against a naive search on small random histories (arbitrary
// outcomes, so many are not linearizable). The naive search tries every
// order with no memo and no pruning, so agreement on thousands of cases is
// evidence that the checker's prunings neither lose nor invent solutions.
#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ropekv/linearizability/checker.hpp"

namespace ropekv::lin {
namespace {

using value = std::optional<std::string>;

// The register model, written independently of the checker's.
std::optional<value> naive_step(const value& cur, const operation& op) {
  if (op.input.kind == op_kind::get) {
    if (op.outcome_known() && op.output->read != cur) return std::nullopt;
    return cur;
  }
  bool holds = true;
  if (op.input.cond == condition::if_absent) holds = !cur;
  if (op.input.cond == condition::if_present) holds = cur.has_value();
  if (op.input.cond == condition::if_value) holds = cur == op.input.expected;
  if (op.outcome_known() && op.output->applied != holds) return std::nullopt;
  if (!holds) return cur;
  return op.input.kind == op_kind::put ? value(op.input.value) : std::nullopt;
}

// Can the ops not in `used` be ordered after the ones in it? Every known op
// must appear; an op may go next only if no unused known op returned
// strictly before it was invoked.
bool naive_search(const std::vector<operation>& h, uint32_t used, const value& cur) {
  bool all_known_used = true;
  for (size_t i = 0; i < h.size(); ++i) {
    if (!(used >> i & 1) && h[i].outcome_known()) all_known_used = false;
  }
  if (all_known_used) return true;
  for (size_t i = 0; i < h.size(); ++i) {
    if (used >> i & 1) continue;
    bool may_go = true;
    for (size_t j = 0; j < h.size() && may_go; ++j) {
      may_go = (used >> j & 1) || !h[j].outcome_known() ||
               h[j].return_time >= h[i].invoke_time;
    }
    if (!may_go) continue;
    auto next = naive_step(cur, h[i]);
    if (next && naive_search(h, used | (1u << i), *next)) return true;
  }
  return false;
}

operation random_op(std::mt19937_64& rng) {
  static const char* const values[] = {"a", "b", "c"};
  auto pick = [&] { return std::string(values[rng() % 3]); };
  operation op;
  op.client = client_id{rng() % 4};
  op.key = "k";
  op.invoke_time = static_cast<int64_t>(rng() % 20);
  op.return_time = op.invoke_time + static_cast<int64_t>(rng() % 10);
  switch (rng() % 8) {
    case 0: case 1: op.input = get(); break;
    case 2: case 3: op.input = put(pick()); break;
    case 4: op.input = put_if_absent(pick()); break;
    case 5: op.input = put_if_value(pick(), pick()); break;
    case 6: op.input = del(); break;
    default: op.input = del_if_value(pick()); break;
  }
  if (rng() % 5 == 0) {
    op.return_time = unknown_return;  // outcome unknown
  } else if (op.input.kind == op_kind::get) {
    op.output = rng() % 4 == 0 ? read_absent() : read_value(pick());
  } else {
    op.output = rng() % 3 == 0 ? write_failed() : write_ok();
  }
  return op;
}

TEST(checker_brute_force, agrees_with_naive_search) {
  std::mt19937_64 rng(20240611);
  int accepted = 0;
  int rejected = 0;
  for (int round = 0; round < 4000; ++round) {
    std::vector<operation> h;
    const auto n = 2 + rng() % 6;
    for (uint64_t i = 0; i < n; ++i) h.push_back(random_op(rng));
    const bool expected = naive_search(h, 0, std::nullopt);
    const check_result r = check_history(h);
    std::string dump;
    for (const auto& op : h) dump += to_string(op) + "\n";
    ASSERT_EQ(r.outcome, expected ? verdict::linearizable : verdict::not_linearizable)
        << "round " << round << "\n" << dump << r.explanation;
    (expected ? accepted : rejected)++;
  }
  // Both answers must be well represented for the comparison to mean much.
  EXPECT_GT(accepted, 500);
  EXPECT_GT(rejected, 500);
}

}  // namespace
}  // namespace ropekv::lin
