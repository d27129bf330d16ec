// The chaos checkers on hand-made histories: each must accept a correct
// one and reject the damage it exists to find (so it can fail).
#include <gtest/gtest.h>

#include "checkers.hpp"
#include "workload_names.hpp"

namespace ropekv::chaos {
namespace {

op_record reg(std::string op, std::string key, int64_t start, int64_t end, outcome o) {
  op_record r;
  r.process = "register-1";
  r.workload = "register";
  r.op = std::move(op);
  r.key = std::move(key);
  r.start_ns = start;
  r.end_ns = end;
  r.result = o;
  return r;
}

op_record write(std::string key, std::string value, int64_t start, int64_t end, outcome o = outcome::ok) {
  auto r = reg("write", std::move(key), start, end, o);
  r.value = std::move(value);
  return r;
}

op_record read(std::string key, std::optional<std::string> value, int64_t start, int64_t end) {
  auto r = reg("read", std::move(key), start, end, outcome::ok);
  r.read = std::move(value);
  return r;
}

TEST(ChaosRegisterChecker, AcceptsReadsOfTheLastAcknowledgedWrite) {
  std::vector<op_record> h{write("k", "a", 0, 10), read("k", "a", 20, 30), write("k", "b", 40, 50),
                           read("k", "b", 60, 70)};
  EXPECT_TRUE(check_register(h).valid);
}

TEST(ChaosRegisterChecker, RejectsAReadThatMissesAnAcknowledgedWrite) {
  std::vector<op_record> h{write("k", "a", 0, 10), write("k", "b", 20, 30), read("k", "a", 40, 50)};
  auto part = check_register(h);
  EXPECT_FALSE(part.valid);
  ASSERT_FALSE(part.problems.empty());
  EXPECT_NE(part.problems[0].find("k"), std::string::npos);
}

TEST(ChaosRegisterChecker, AnUnknownWriteMayOrMayNotHaveHappened) {
  std::vector<op_record> h{write("k", "a", 0, 10), write("k", "b", 20, 0, outcome::info), read("k", "a", 40, 50),
                           read("k", "b", 60, 70)};
  EXPECT_TRUE(check_register(h).valid);
  // but once seen it cannot be unseen
  h.push_back(read("k", "a", 80, 90));
  EXPECT_FALSE(check_register(h).valid);
}

TEST(ChaosRegisterChecker, CasFailureMeansTheValueDiffered) {
  auto cas = reg("cas", "k", 20, 30, outcome::fail);
  cas.expected = "a";
  cas.value = "c";
  std::vector<op_record> h{write("k", "a", 0, 10), cas};
  EXPECT_FALSE(check_register(h).valid) << "the value was a: the cas could not fail";
}

op_record add(std::string key, std::string element, outcome o) {
  op_record r;
  r.process = "set-0";
  r.workload = "set";
  r.op = "add";
  r.key = std::move(key);
  r.value = std::move(element);
  r.result = o;
  return r;
}

op_record final_read(std::string key, std::string elements_json) {
  op_record r;
  r.process = "final";
  r.workload = "set";
  r.op = "read";
  r.key = std::move(key);
  r.result = outcome::ok;
  r.result_json = "{\"elements\":" + elements_json + "}";
  return r;
}

TEST(ChaosSetChecker, FindsLostDuplicatedAndInventedElements) {
  uint64_t acked = 0, lost = 0;
  std::vector<op_record> good{add("s0", "e1", outcome::ok), add("s0", "e2", outcome::info),
                              final_read("s0", "[\"e1\"]")};
  EXPECT_TRUE(check_set(good, acked, lost).valid);
  EXPECT_EQ(acked, 1u);
  EXPECT_EQ(lost, 0u);

  std::vector<op_record> lost_one{add("s0", "e1", outcome::ok), add("s0", "e2", outcome::ok),
                                  final_read("s0", "[\"e2\"]")};
  acked = lost = 0;
  EXPECT_FALSE(check_set(lost_one, acked, lost).valid);
  EXPECT_EQ(lost, 1u);

  std::vector<op_record> twice{add("s0", "e1", outcome::ok), final_read("s0", "[\"e1\",\"e1\"]")};
  EXPECT_FALSE(check_set(twice, acked, lost).valid);
  std::vector<op_record> invented{add("s0", "e1", outcome::ok), final_read("s0", "[\"e1\",\"e9\"]")};
  EXPECT_FALSE(check_set(invented, acked, lost).valid);
  std::vector<op_record> unread{add("s0", "e1", outcome::ok), final_read("s0", "[\"e1\"]")};
  unread.back().result = outcome::fail;
  EXPECT_FALSE(check_set(unread, acked, lost).valid) << "no final read: nothing is proven";
}

op_record snapshot(std::string process, const std::vector<int>& balances) {
  op_record r;
  r.process = std::move(process);
  r.workload = "bank";
  r.op = "snapshot";
  r.result = outcome::ok;
  r.result_json = "{\"balances\":[";
  for (size_t i = 0; i < balances.size(); ++i) r.result_json += (i ? "," : "") + std::to_string(balances[i]);
  r.result_json += "]}";
  return r;
}

op_record transfer(int from, int to, int amount, outcome o) {
  op_record r;
  r.process = "bank-0";
  r.workload = "bank";
  r.op = "transfer";
  r.result = o;
  r.args_json = "{\"from\":" + std::to_string(from) + ",\"to\":" + std::to_string(to) +
                ",\"amount\":" + std::to_string(amount) + "}";
  return r;
}

TEST(ChaosBankChecker, TotalsAndFinalBalances) {
  static_assert(bank_accounts == 5 && bank_initial == 100);
  uint64_t acked = 0;
  std::vector<op_record> good{transfer(0, 1, 10, outcome::ok), transfer(2, 3, 5, outcome::fail),
                              snapshot("bank-1", {90, 110, 100, 100, 100}),
                              snapshot("final", {90, 110, 100, 100, 100})};
  EXPECT_TRUE(check_bank(good, acked).valid);
  EXPECT_EQ(acked, 1u);

  std::vector<op_record> bad_total{transfer(0, 1, 10, outcome::ok), snapshot("bank-1", {90, 100, 100, 100, 100}),
                                   snapshot("final", {90, 110, 100, 100, 100})};
  EXPECT_FALSE(check_bank(bad_total, acked).valid);

  std::vector<op_record> lost_transfer{transfer(0, 1, 10, outcome::ok), snapshot("final", {100, 100, 100, 100, 100})};
  EXPECT_FALSE(check_bank(lost_transfer, acked).valid);

  std::vector<op_record> no_final{transfer(0, 1, 10, outcome::ok)};
  EXPECT_FALSE(check_bank(no_final, acked).valid);
}

TEST(ChaosVerdict, IsJsonWithEveryChecker) {
  auto v = check_all({write("k", "a", 0, 10), read("k", "b", 20, 30)});
  EXPECT_FALSE(v.valid);
  auto json = to_json(v);
  for (const char* part : {"\"register\"", "\"set\"", "\"bank\"", "\"valid\":false", "\"acknowledged_writes\":1"})
    EXPECT_NE(json.find(part), std::string::npos) << part << " in " << json;
}

}  // namespace
}  // namespace ropekv::chaos
