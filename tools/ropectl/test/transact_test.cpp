// ropectl transact FILE|-: the request sent, the output and the exit code
// for a commit, a canceled transaction (409), a refused one and bad input,
// with a fake transport.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "command_runner.hpp"

namespace ropekv::ctl {
namespace {

struct fake_router {
  std::deque<result<http_reply>> replies;
  std::vector<api_call> calls;

  fetch_fn fetch() {
    return [this](const api_call& call) -> result<http_reply> {
      calls.push_back(call);
      if (replies.empty()) return make_error(errc::internal, "no scripted reply");
      auto r = std::move(replies.front());
      replies.pop_front();
      return r;
    };
  }
};

struct outcome {
  int code = -1;
  std::string out, err;
};

outcome run(std::vector<std::string> args, fake_router& router, const std::string& stdin_text = {}) {
  args.insert(args.begin(), "ropectl");
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {parsed.exit_code, parsed.out, parsed.err};
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  int code = run_command(*parsed.args, router.fetch(), in, out, err);
  return {code, out.str(), err.str()};
}

const char* transfer = R"({"request_id":"t-1","ops":[
  {"check":{"table":"accounts","hash_key":"a","if":"exists"}},
  {"put":{"table":"accounts","hash_key":"b","item":{"balance":10}}},
  {"get":{"table":"orders","hash_key":"o1","range_key":"2024"}},
  {"delete":{"table":"orders","hash_key":"o2","range_key":"x"}}]})";

const char* committed = R"({"version":42,"deduplicated":false,"ops":[
  {"op":"check","table":"accounts","version":7},
  {"op":"put","table":"accounts","version":42},
  {"op":"get","table":"orders","item":{"hash_key":"o1","range_key":"2024","version":3,"item":{"n":1}}},
  {"op":"delete","table":"orders","version":42}]})";

std::string write_file(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TEST(transact, posts_the_file_as_is_and_prints_each_op) {
  fake_router router{{http_reply{200, committed}}, {}};
  auto r = run({"transact", write_file("ropectl_txn.json", transfer)}, router);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  ASSERT_EQ(router.calls.size(), 1u);
  EXPECT_EQ(router.calls[0].method, "POST");
  EXPECT_EQ(router.calls[0].target, "/v1/transact");
  EXPECT_EQ(router.calls[0].body, transfer);  // byte for byte: the router parses it
  EXPECT_EQ(r.out,
            "committed at version 42\n"
            "  ops[0]  check accounts a    v=7\n"
            "  ops[1]  put accounts b      v=42\n"
            "  ops[2]  get orders o1 2024  v=3  {\"n\":1}\n"
            "  ops[3]  delete orders o2 x  v=42\n");
  EXPECT_EQ(r.err, "");
}

TEST(transact, reads_stdin_for_dash_and_prints_json_with_the_flag) {
  fake_router router{{http_reply{200, R"({"version":5, "deduplicated":true, "ops":[{"op":"get","table":"t","item":null}]})"}}, {}};
  auto r = run({"--json", "transact", "-"}, router, R"({"ops":[{"get":{"table":"t","hash_key":"k"}}]})");
  EXPECT_EQ(r.code, exit_ok) << r.err;
  EXPECT_EQ(router.calls.at(0).body, R"({"ops":[{"get":{"table":"t","hash_key":"k"}}]})");
  EXPECT_EQ(r.out, R"({"version":5,"deduplicated":true,"ops":[{"op":"get","table":"t","item":null}]})"
                   "\n");

  fake_router human{{http_reply{200, R"({"version":5,"deduplicated":true,"ops":[{"op":"get","table":"t","item":null}]})"}}, {}};
  auto h = run({"transact", "-"}, human, R"({"ops":[{"get":{"table":"t","hash_key":"k"}}]})");
  EXPECT_EQ(h.code, exit_ok) << h.err;
  EXPECT_EQ(h.out,
            "committed at version 5 (deduplicated: the first outcome of this request_id; nothing was applied again)\n"
            "  ops[0]  get t k  (absent)\n");
}

TEST(transact, a_canceled_transaction_says_which_ops_failed_and_exits_4) {
  fake_router router{
      {http_reply{409, R"({"error":{"code":"transaction_canceled","message":"transaction canceled: a condition did not hold; nothing was written",
        "reasons":[{"index":0,"code":"condition_failed","message":"item absent"},
                   {"index":1,"code":"none"},
                   {"index":2,"code":"none"},
                   {"index":3,"code":"conflict","message":"locked by another transaction","version":9}]}})"}},
      {}};
  auto r = run({"transact", write_file("ropectl_txn_409.json", transfer)}, router);
  EXPECT_EQ(r.code, exit_conflict);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "error: transaction_canceled: transaction canceled: a condition did not hold; nothing was written\n"
            "  ops[0] check accounts a: condition_failed: item absent\n"
            "  ops[3] delete orders o2 x: conflict: locked by another transaction (current version 9)\n");
}

TEST(transact, refused_and_failed_answers_exit_by_class_with_the_routers_message) {
  for (unsigned status : {400u, 503u}) {
    fake_router router{
        {http_reply{status, R"({"error":{"code":"invalid_argument","message":"ops[1]: two operations on one item"}})"}},
        {}};
    auto r = run({"transact", "-"}, router, R"({"ops":[]})");
    EXPECT_EQ(r.code, exit_usage) << status;
    EXPECT_EQ(r.err, "error: invalid_argument: ops[1]: two operations on one item\n");
  }
  fake_router proxy{{http_reply{502, "Bad Gateway\n"}}, {}};
  auto p = run({"transact", "-"}, proxy, R"({"ops":[]})");
  EXPECT_EQ(p.code, exit_unavailable);
  EXPECT_EQ(p.err, "error: http_502: Bad Gateway\n");
}

TEST(transact, no_answer_exits_5) {
  fake_router router{{make_error(errc::timeout, "no answer within 10 s")}, {}};
  auto r = run({"transact", "-"}, router, R"({"ops":[]})");
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err, "error: timeout: no answer within 10 s\n");
}

TEST(transact, bad_input_is_a_usage_error_and_sends_nothing) {
  fake_router router;
  auto missing = run({"transact", ::testing::TempDir() + "/no-such-transaction.json"}, router);
  EXPECT_EQ(missing.code, exit_usage);
  EXPECT_NE(missing.err.find("cannot read transaction file"), std::string::npos) << missing.err;
  auto not_json = run({"transact", "-"}, router, "{\"ops\":[");
  EXPECT_EQ(not_json.code, exit_usage);
  EXPECT_NE(not_json.err.find("stdin is not valid JSON"), std::string::npos) << not_json.err;
  auto array = run({"transact", "-"}, router, "[]");
  EXPECT_EQ(array.code, exit_usage);
  EXPECT_NE(array.err.find("must be a JSON object"), std::string::npos) << array.err;
  EXPECT_TRUE(router.calls.empty());

  auto no_file = parse_args({"ropectl", "transact"}, nullptr);
  EXPECT_FALSE(no_file.args);
  EXPECT_EQ(no_file.exit_code, exit_usage);
}

}  // namespace
}  // namespace ropekv::ctl
