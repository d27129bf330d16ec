// Hand-written histories with a known answer: each one pins down one rule of
// linearizability for the register-per-key model.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ropekv/linearizability/checker.hpp"

namespace ropekv::lin {
namespace {

operation op(uint64_t client, int64_t invoke, int64_t ret, std::string key,
             op_input in, op_output out) {
  return operation{client_id{client}, std::move(key), std::move(in),
                   std::move(out), invoke, ret};
}

// An operation whose client never learned the outcome (timeout, crash).
operation pending(uint64_t client, int64_t invoke, std::string key, op_input in) {
  return operation{client_id{client}, std::move(key), std::move(in),
                   std::nullopt, invoke, unknown_return};
}

void expect_ok(const std::vector<operation>& h) {
  const check_result r = check_history(h);
  EXPECT_EQ(r.outcome, verdict::linearizable) << r.explanation;
  EXPECT_TRUE(r.ok);
  EXPECT_TRUE(r.key.empty());
}

void expect_bad(const std::vector<operation>& h, const std::string& key = "k") {
  const check_result r = check_history(h);
  EXPECT_EQ(r.outcome, verdict::not_linearizable);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.key, key);
  EXPECT_NE(r.explanation.find("key \"" + key + "\""), std::string::npos)
      << r.explanation;
}

// ---- known-good -----------------------------------------------------------

TEST(checker_good, empty_history) { expect_ok({}); }

TEST(checker_good, sequential_put_get_delete) {
  expect_ok({op(1, 0, 1, "k", get(), read_absent()),
             op(1, 2, 3, "k", put("a"), write_ok()),
             op(2, 4, 5, "k", get(), read_value("a")),
             op(1, 6, 7, "k", put("b"), write_ok()),
             op(2, 8, 9, "k", get(), read_value("b")),
             op(1, 10, 11, "k", del(), write_ok()),
             op(2, 12, 13, "k", get(), read_absent()),
             op(1, 14, 15, "k", put(""), write_ok()),
             op(2, 16, 17, "k", get(), read_value(""))});
}

TEST(checker_good, overlapping_writes_then_read_sees_either) {
  for (const char* seen : {"a", "b"}) {
    expect_ok({op(1, 0, 10, "k", put("a"), write_ok()),
               op(2, 5, 15, "k", put("b"), write_ok()),
               op(3, 20, 25, "k", get(), read_value(seen))});
  }
}

TEST(checker_good, reads_during_a_write_see_old_then_new) {
  expect_ok({op(1, 0, 1, "k", put("a"), write_ok()),
             op(1, 10, 50, "k", put("b"), write_ok()),
             op(2, 20, 25, "k", get(), read_value("a")),
             op(2, 30, 35, "k", get(), read_value("b"))});
}

TEST(checker_good, overlapping_reads_may_disagree) {
  // The new value is seen by the read that started first; legal because the
  // two reads overlap, so the one seeing "a" may take effect first.
  expect_ok({op(1, 0, 1, "k", put("a"), write_ok()),
             op(1, 10, 50, "k", put("b"), write_ok()),
             op(2, 20, 40, "k", get(), read_value("b")),
             op(3, 30, 45, "k", get(), read_value("a"))});
}

TEST(checker_good, pending_write_that_took_effect) {
  expect_ok({pending(1, 0, "k", put("a")),
             op(2, 10, 20, "k", get(), read_value("a")),
             op(2, 30, 40, "k", get(), read_value("a"))});
}

TEST(checker_good, pending_write_that_never_took_effect) {
  expect_ok({op(1, 0, 1, "k", put("a"), write_ok()),
             pending(1, 2, "k", put("b")),
             op(2, 10, 20, "k", get(), read_value("a")),
             op(2, 30, 40, "k", get(), read_value("a"))});
}

TEST(checker_good, pending_write_takes_effect_long_after_invoke) {
  expect_ok({op(1, 0, 1, "k", put("a"), write_ok()),
             pending(1, 2, "k", put("b")),
             op(2, 10, 20, "k", get(), read_value("a")),
             op(2, 100, 110, "k", get(), read_value("b"))});
}

TEST(checker_good, pending_get_and_pending_conditional_are_harmless) {
  expect_ok({pending(1, 0, "k", get()),
             op(2, 1, 2, "k", put("a"), write_ok()),
             pending(3, 3, "k", put_if_absent("x")),  // condition fails anyway
             pending(3, 4, "k", put_if_value("a", "b")),
             op(2, 10, 11, "k", get(), read_value("b"))});
}

TEST(checker_good, conditional_ops_sequential) {
  expect_ok({op(1, 0, 1, "k", put_if_present("x"), write_failed()),
             op(1, 2, 3, "k", del_if_present(), write_failed()),
             op(1, 4, 5, "k", put_if_absent("a"), write_ok()),
             op(2, 6, 7, "k", put_if_absent("b"), write_failed()),
             op(1, 8, 9, "k", put_if_value("a", "b"), write_ok()),
             op(2, 10, 11, "k", put_if_value("a", "c"), write_failed()),
             op(1, 12, 13, "k", put_if_present("c"), write_ok()),
             op(2, 14, 15, "k", get(), read_value("c")),
             op(1, 16, 17, "k", del_if_value("a"), write_failed()),
             op(2, 18, 19, "k", del_if_value("c"), write_ok()),
             op(1, 20, 21, "k", get(), read_absent())});
}

TEST(checker_good, concurrent_if_absent_exactly_one_wins) {
  expect_ok({op(1, 0, 10, "k", put_if_absent("a"), write_failed()),
             op(2, 0, 10, "k", put_if_absent("b"), write_ok()),
             op(3, 20, 30, "k", get(), read_value("b"))});
}

TEST(checker_good, concurrent_compare_and_set_chain) {
  // Only the order 0->1, 1->2 explains both successes.
  expect_ok({op(1, 0, 1, "k", put("0"), write_ok()),
             op(2, 10, 20, "k", put_if_value("1", "2"), write_ok()),
             op(3, 10, 20, "k", put_if_value("0", "1"), write_ok()),
             op(4, 10, 20, "k", put_if_value("0", "9"), write_failed()),
             op(1, 30, 31, "k", get(), read_value("2"))});
}

TEST(checker_good, touching_intervals_count_as_concurrent) {
  // With a coarse clock, return == invoke may hide either order.
  expect_ok({op(1, 0, 10, "k", put("a"), write_ok()),
             op(2, 10, 20, "k", get(), read_absent())});
}

// ---- known-bad ------------------------------------------------------------

TEST(checker_bad, stale_read_after_completed_write) {
  expect_bad({op(1, 0, 1, "k", put("a"), write_ok()),
              op(1, 2, 3, "k", put("b"), write_ok()),
              op(2, 4, 5, "k", get(), read_value("a"))});
}

TEST(checker_bad, read_of_value_never_written) {
  const std::vector<operation> h = {op(1, 0, 10, "k", put("a"), write_ok()),
                                    op(2, 5, 15, "k", get(), read_value("zz"))};
  expect_bad(h);
  // The explanation names the operation that could not be placed.
  EXPECT_NE(check_history(h).explanation.find("get(k) -> \"zz\""),
            std::string::npos);
}

TEST(checker_bad, non_monotonic_reads_during_a_write) {
  expect_bad({op(1, 0, 1, "k", put("a"), write_ok()),
              op(1, 10, 100, "k", put("b"), write_ok()),
              op(2, 20, 30, "k", get(), read_value("b")),
              op(3, 40, 50, "k", get(), read_value("a"))});
}

TEST(checker_bad, failed_if_absent_with_no_prior_put) {
  expect_bad({op(1, 0, 1, "k", put_if_absent("a"), write_failed())});
}

TEST(checker_bad, lost_acknowledged_write) {
  expect_bad({op(1, 0, 10, "k", put("a"), write_ok()),
              op(2, 20, 30, "k", get(), read_absent())});
}

TEST(checker_bad, returns_strictly_before_invoke_are_ordered) {
  expect_bad({op(1, 0, 10, "k", put("a"), write_ok()),
              op(2, 11, 20, "k", get(), read_absent())});
}

TEST(checker_bad, absent_is_not_the_empty_string) {
  expect_bad({op(1, 0, 1, "k", get(), read_value(""))});
  expect_bad({op(1, 0, 1, "k", put(""), write_ok()),
              op(1, 2, 3, "k", get(), read_absent())});
}

TEST(checker_bad, pending_write_seen_then_unseen) {
  expect_bad({pending(1, 0, "k", put("a")),
              op(2, 10, 20, "k", get(), read_value("a")),
              op(2, 30, 40, "k", get(), read_absent())});
}

TEST(checker_bad, two_if_absent_both_succeed) {
  expect_bad({op(1, 0, 10, "k", put_if_absent("a"), write_ok()),
              op(2, 0, 10, "k", put_if_absent("b"), write_ok())});
}

TEST(checker_bad, compare_and_set_on_a_value_never_present) {
  expect_bad({op(1, 0, 1, "k", put("a"), write_ok()),
              op(2, 2, 3, "k", put_if_value("x", "b"), write_ok())});
}

TEST(checker_bad, read_after_delete_sees_old_value) {
  expect_bad({op(1, 0, 1, "k", put("a"), write_ok()),
              op(1, 2, 3, "k", del(), write_ok()),
              op(2, 4, 5, "k", get(), read_value("a"))});
}

// ---- per-key partitioning ---------------------------------------------------

TEST(checker_partition, interleaved_keys_are_independent) {
  // Read together as one register this would be illegal; per key it is fine.
  expect_ok({op(1, 0, 1, "a", put("1"), write_ok()),
             op(2, 2, 3, "b", put("2"), write_ok()),
             op(3, 4, 5, "a", get(), read_value("1")),
             op(3, 6, 7, "b", get(), read_value("2")),
             op(1, 8, 9, "c", get(), read_absent())});
}

TEST(checker_partition, first_failing_key_is_named) {
  const std::vector<operation> h = {
      op(1, 0, 1, "c", get(), read_value("never")),
      op(1, 0, 1, "a", put("1"), write_ok()),
      op(2, 2, 3, "a", get(), read_value("1")),
      op(1, 4, 5, "b", put("1"), write_ok()),
      op(2, 6, 7, "b", get(), read_absent())};
  expect_bad(h, "b");
}

TEST(checker_partition, many_keys_stay_cheap) {
  // 40 keys x 10 fully concurrent writes: one register of 400 concurrent ops
  // would be hopeless; per key the memo bounds it at ~2^10 x 10 states.
  std::vector<operation> h;
  for (int k = 0; k < 40; ++k) {
    const std::string key = "k" + std::to_string(k);
    for (int w = 0; w < 10; ++w) {
      h.push_back(op(static_cast<uint64_t>(w), 0, 100, key,
                     put("v" + std::to_string(w)), write_ok()));
    }
    h.push_back(op(99, 200, 201, key, get(), read_value("v3")));
  }
  const check_result r = check_history(h);
  EXPECT_EQ(r.outcome, verdict::linearizable) << r.explanation;
  EXPECT_LT(r.states_explored, 40u * 11u * 1024u);
}

// ---- budget, malformed input, formatting ------------------------------------

TEST(checker_limits, exhausted_budget_is_unknown_not_a_verdict) {
  std::vector<operation> h;
  for (int w = 0; w < 14; ++w) {
    h.push_back(op(static_cast<uint64_t>(w), 0, 100, "k",
                   put("v" + std::to_string(w)), write_ok()));
  }
  h.push_back(op(99, 200, 201, "k", get(), read_value("nobody")));
  const check_result small = check_history(h, check_options{100});
  EXPECT_EQ(small.outcome, verdict::unknown);
  EXPECT_FALSE(small.ok);
  EXPECT_EQ(small.key, "k");
  EXPECT_NE(small.explanation.find("budget"), std::string::npos);
  EXPECT_EQ(check_history(h).outcome, verdict::not_linearizable);
}

TEST(checker_limits, a_definite_violation_outranks_an_unknown_key) {
  std::vector<operation> h;
  for (int w = 0; w < 14; ++w) {
    h.push_back(op(static_cast<uint64_t>(w), 0, 100, "a",
                   put("v" + std::to_string(w)), write_ok()));
  }
  h.push_back(op(99, 200, 201, "a", get(), read_value("nobody")));
  h.push_back(op(1, 0, 1, "b", get(), read_value("nobody")));
  const check_result r = check_history(h, check_options{100});
  EXPECT_EQ(r.outcome, verdict::not_linearizable);
  EXPECT_EQ(r.key, "b");
}

TEST(checker_limits, return_before_invoke_is_malformed) {
  const check_result r = check_history({op(1, 10, 5, "k", get(), read_absent())});
  EXPECT_EQ(r.outcome, verdict::unknown);
  EXPECT_NE(r.explanation.find("malformed"), std::string::npos);
}

TEST(history_format, operations_print_on_one_line) {
  EXPECT_EQ(to_string(op(3, 10, 20, "k", put_if_value("a", "b"), write_ok())),
            "c3 [10,20] put_if_value(k, \"a\", \"b\") -> ok");
  EXPECT_EQ(to_string(pending(1, 5, "k", put("x"))), "c1 [5,inf] put(k, \"x\") -> ?");
  EXPECT_EQ(to_string(op(2, 1, 2, "k", get(), read_absent())), "c2 [1,2] get(k) -> absent");
  EXPECT_EQ(to_string(op(2, 1, 2, "k", del_if_present(), write_failed())),
            "c2 [1,2] del_if_present(k) -> failed");
  EXPECT_EQ(to_string(verdict::not_linearizable), "not_linearizable");
}

}  // namespace
}  // namespace ropekv::lin
