// load and export through run_command with a scripted, thread-safe router:
// the requests they make, their output and exit codes, no network.
#include <gtest/gtest.h>

#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "command_runner.hpp"
#include "json_value.hpp"

namespace ropekv::ctl {
namespace {

/// Answers GET /v1/tables/{t} with `table`, and each batch op 200, except
/// ops whose hash_key is "refused" (412) and, the first time a batch is
/// seen, everything (503) when `flaky`.
struct fake_router {
  std::string table = R"({"name":"users","hash_key":"id"})";
  bool flaky = false;
  std::mutex mutex;
  std::vector<api_call> calls;
  std::set<std::string> seen_ids;

  result<http_reply> answer(const api_call& call) {
    std::lock_guard lock(mutex);
    calls.push_back(call);
    if (call.method == "GET" && call.target == "/v1/tables/users") return http_reply{200, table};
    if (call.method == "GET") return http_reply{404, R"({"error":{"code":"not_found","message":"no table"}})"};
    auto body = json_value::parse(call.body);
    if (!body) return http_reply{400, R"({"error":{"code":"invalid_json","message":"x"}})"};
    std::string id = body->find("request_id")->text();
    if (flaky && seen_ids.insert(id).second)
      return http_reply{503, R"({"error":{"code":"unavailable","message":"electing"}})"};
    std::string out = R"({"results":[)";
    bool first = true;
    for (const auto& op : body->find("ops")->elements()) {
      out += first ? "" : ",";
      first = false;
      out += op.find("hash_key")->text() == "refused"
                 ? R"({"status":412,"error":{"code":"condition_failed","message":"no"}})"
                 : R"({"status":200,"result":{"version":1}})";
    }
    return http_reply{200, out + "]}"};
  }
};

struct outcome {
  int code = -1;
  std::string out, err;
};

outcome run(std::vector<std::string> args, fake_router& router, const std::string& stdin_text) {
  args.insert(args.begin(), "ropectl");
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {};
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  index_wait_env env;
  env.sleep = [](std::chrono::milliseconds) {};  // back-off without waiting
  int code = run_command(*parsed.args, [&](const api_call& c) { return router.answer(c); }, in, out, err, env);
  return {code, out.str(), err.str()};
}

std::string items(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) text += R"({"id":"k)" + std::to_string(i) + R"(","n":)" + std::to_string(i) + "}\n";
  return text;
}

TEST(load_runner, batches_of_the_chosen_size_each_with_its_own_request_id) {
  fake_router router;
  auto r = run({"load", "users", "-", "--batch-size", "7", "--concurrency", "3"}, router, items(50));
  EXPECT_EQ(r.code, exit_ok) << r.err;
  EXPECT_TRUE(r.out.starts_with("loaded 50 of 50 items into users in ")) << r.out;
  ASSERT_EQ(router.calls.size(), 1u + 8u);  // the table, then ceil(50 / 7) batches
  EXPECT_EQ(router.calls[0].target, "/v1/tables/users");
  std::set<std::string> ids;
  size_t ops = 0;
  for (size_t i = 1; i < router.calls.size(); ++i) {
    EXPECT_EQ(router.calls[i].method, "POST");
    EXPECT_EQ(router.calls[i].target, "/v1/tables/users/batch");
    auto body = json_value::parse(router.calls[i].body);
    ASSERT_TRUE(body);
    ids.insert(body->find("request_id")->text());
    ops += body->find("ops")->elements().size();
    EXPECT_LE(body->find("ops")->elements().size(), 7u);
  }
  EXPECT_EQ(ops, 50u);
  EXPECT_EQ(ids.size(), 8u);
}

TEST(load_runner, retried_batches_are_sent_again_unchanged) {
  fake_router router;
  router.flaky = true;
  auto r = run({"--json", "load", "users", "-", "--batch-size", "10", "--concurrency", "2"}, router, items(30));
  EXPECT_EQ(r.code, exit_ok) << r.err;
  ASSERT_EQ(router.calls.size(), 1u + 6u);  // every batch twice
  std::map<std::string, std::set<std::string>> bodies;
  for (size_t i = 1; i < router.calls.size(); ++i)
    bodies[json_value::parse(router.calls[i].body)->find("request_id")->text()].insert(router.calls[i].body);
  EXPECT_EQ(bodies.size(), 3u);
  for (const auto& [id, versions] : bodies) EXPECT_EQ(versions.size(), 1u) << id;  // byte for byte the same
  auto last = r.out.substr(r.out.rfind('{'));
  auto summary = json_value::parse(last);
  ASSERT_TRUE(summary) << r.out;
  EXPECT_EQ(summary->find("retries")->text(), "3");
  EXPECT_EQ(summary->find("written")->text(), "30");
}

TEST(load_runner, refused_and_malformed_items_fail_alone_with_exit_7) {
  fake_router router;
  std::string input = items(5) + "{\"id\":\"refused\"}\n" + "not json\n" + items(2);
  auto r = run({"load", "users", "-"}, router, input);
  EXPECT_EQ(r.code, exit_partial);
  EXPECT_TRUE(r.out.starts_with("loaded 7 of 9 items into users")) << r.out;
  EXPECT_NE(r.out.find(", 2 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("error: line 6: condition_failed: no\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error: line 7: bad_input: not JSON"), std::string::npos) << r.err;
}

TEST(load_runner, table_and_input_errors) {
  fake_router router;
  auto missing = run({"load", "nosuch", "-"}, router, items(3));
  EXPECT_EQ(missing.code, exit_not_found);
  EXPECT_EQ(missing.err, "error: not_found: no table\n");
  EXPECT_EQ(router.calls.size(), 1u);  // nothing sent

  auto no_column = run({"load", "users", "-", "--format", "csv"}, router, "name,age\nx,1\n");
  EXPECT_EQ(no_column.code, exit_usage);
  EXPECT_NE(no_column.err.find("CSV header has no column 'id'"), std::string::npos) << no_column.err;

  auto no_range = run({"load", "users", "-", "--range-key-column", "ts"}, router, items(1));
  EXPECT_EQ(no_range.code, exit_usage);

  auto bad_csv = run({"load", "users", "-", "--format", "csv"}, router, "id,n\na,1\nb\"x,2\n");
  EXPECT_EQ(bad_csv.code, exit_usage);
  EXPECT_NE(bad_csv.err.find("line 3: a quote inside an unquoted field"), std::string::npos) << bad_csv.err;

  auto no_file = run({"load", "users", "/nonexistent/file.jsonl"}, router, "");
  EXPECT_EQ(no_file.code, exit_usage);
}

TEST(load_runner, csv_keys_from_a_named_column_with_a_range_key) {
  fake_router router;
  router.table = R"({"name":"users","hash_key":"id","range_key":"ts"})";
  auto r = run({"load", "users", "-", "--format", "csv", "--hash-key-column", "dev"}, router,
               "dev,ts,v\nd1,2024,1.5\n");
  EXPECT_EQ(r.code, exit_ok) << r.err;
  ASSERT_EQ(router.calls.size(), 2u);
  auto body = json_value::parse(router.calls[1].body);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->find("ops")->elements()[0].to_json(),
            R"({"op":"put","hash_key":"d1","range_key":"2024","item":{"dev":"d1","ts":2024,"v":1.5}})");
}

TEST(export_runner, pages_until_the_last_cursor) {
  struct pages {
    std::vector<api_call> calls;
    result<http_reply> operator()(const api_call& c) {
      calls.push_back(c);
      if (c.target.find("cursor=c1") != std::string::npos)
        return http_reply{200, R"({"items":[{"hash_key":"b","version":2,"item":{"n":2}}]})"};
      return http_reply{200, R"({"items":[{"hash_key":"a","version":1,"item":{"n":1.0}}],"cursor":"c1"})"};
    }
  } router;
  auto parsed = parse_args({"ropectl", "export", "users"}, nullptr);
  ASSERT_TRUE(parsed.args);
  std::istringstream in;
  std::ostringstream out, err;
  int code = run_command(*parsed.args, std::ref(router), in, out, err);
  EXPECT_EQ(code, exit_ok) << err.str();
  EXPECT_EQ(out.str(), "{\"hash_key\":\"a\",\"version\":1,\"item\":{\"n\":1.0}}\n{\"hash_key\":\"b\",\"version\":2,\"item\":{\"n\":2}}\n");
  EXPECT_TRUE(err.str().starts_with("exported 2 items from users in ")) << err.str();
  ASSERT_EQ(router.calls.size(), 2u);
  EXPECT_EQ(router.calls[0].target, "/v1/tables/users/scan?limit=1000");
  EXPECT_EQ(router.calls[1].target, "/v1/tables/users/scan?limit=1000&cursor=c1");
}

}  // namespace
}  // namespace ropekv::ctl
