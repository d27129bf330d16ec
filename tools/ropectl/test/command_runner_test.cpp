// The runner with a fake transport: what goes to stdout and stderr, and
// the exit code, for each kind of outcome.
#include <gtest/gtest.h>

#include <deque>
#include <fstream>
#include <sstream>

#include "command_runner.hpp"
#include "ropekv/common/base64.hpp"

namespace ropekv::ctl {
namespace {

struct fake_router {
  fake_router() = default;
  fake_router(std::initializer_list<result<http_reply>> scripted) : replies(scripted) {}

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

outcome run(std::vector<std::string> args, fake_router& router, std::string stdin_text = {}) {
  args.insert(args.begin(), "ropectl");
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {};
  std::istringstream in(stdin_text);
  std::ostringstream out, err;
  int code = run_command(*parsed.args, router.fetch(), in, out, err);
  return {code, out.str(), err.str()};
}

const char* item_body = R"({"hash_key":"h","range_key":"r","version":5,"item":{"n":12345678901234567890123}})";

TEST(command_runner, human_output_for_a_read) {
  fake_router router{http_reply{200, item_body}};
  auto r = run({"get", "t1x", "h", "r"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "h r  v=5  {\"n\":12345678901234567890123}\n");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(router.calls.size(), 1u);
  EXPECT_EQ(router.calls[0].target, "/v1/tables/t1x/items/h/r");
}

TEST(command_runner, json_output_is_the_server_body_on_one_line) {
  fake_router router{http_reply{200, "{\n  \"version\": 7,\n  \"created\": true\n}\n"}};
  auto r = run({"--json", "put", "t1x", "h", "--item", R"({"a":1})"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "{\"version\":7,\"created\":true}\n");
  EXPECT_EQ(router.calls[0].body, R"({"a":1})");
}

TEST(command_runner, put_reads_the_item_from_stdin_or_a_file) {
  fake_router router{http_reply{200, R"({"version":1,"created":true})"}};
  auto r = run({"put", "t1x", "h"}, router, " {\"from\":\"stdin\"}\n");
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "h  v=1  created\n");
  EXPECT_EQ(router.calls[0].body, " {\"from\":\"stdin\"}\n");

  std::string path = ::testing::TempDir() + "/ropectl_item.json";
  { std::ofstream(path) << R"({"from":"file"})"; }
  fake_router file_router{http_reply{200, R"({"version":2,"created":false})"}};
  auto f = run({"put", "t1x", "h", "--item", "@" + path}, file_router);
  EXPECT_EQ(f.code, exit_ok);
  EXPECT_EQ(file_router.calls[0].body, R"({"from":"file"})");
}

TEST(command_runner, bad_items_are_usage_errors_and_send_nothing) {
  for (std::vector<std::string> args : {std::vector<std::string>{"put", "t1x", "h", "--item", "[1]"},
                                        {"put", "t1x", "h", "--item", "{\"a\":"},
                                        {"put", "t1x", "h", "--item", "@/nonexistent/item.json"}}) {
    fake_router router;
    auto r = run(args, router);
    EXPECT_EQ(r.code, exit_usage) << args[4];
    EXPECT_TRUE(r.err.starts_with("error: usage: ")) << r.err;
    EXPECT_TRUE(router.calls.empty());
  }
}

TEST(command_runner, router_errors_exit_by_class_with_code_and_message_on_stderr) {
  fake_router router{http_reply{412, R"({"error":{"code":"condition_failed","message":"item exists"}})"}};
  auto r = run({"--json", "put", "t1x", "h", "--item", "{}", "--if", "absent"}, router);
  EXPECT_EQ(r.code, exit_conflict);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: condition_failed: item exists\n");
}

TEST(command_runner, no_answer_exits_5) {
  fake_router refused{make_error(errc::unavailable, "connecting to router at r:1: Connection refused")};
  auto r = run({"health"}, refused);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.err, "error: unreachable: connecting to router at r:1: Connection refused\n");

  fake_router slow{make_error(errc::timeout, "timed out after 100 ms reading from router at r:1")};
  auto t = run({"cluster"}, slow);
  EXPECT_EQ(t.code, exit_unavailable);
  EXPECT_TRUE(t.err.starts_with("error: timeout: ")) << t.err;
}

TEST(command_runner, all_pages_are_printed_in_order) {
  fake_router router{http_reply{200, R"({"items":[{"hash_key":"a","version":1,"item":{}}],"cursor":"c1"})"},
                      http_reply{200, R"({"items":[{"hash_key":"b","version":2,"item":{}}]})"}};
  auto r = run({"scan", "t1x", "--all"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "a  v=1  {}\nb  v=2  {}\n");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(router.calls.size(), 2u);
  EXPECT_EQ(router.calls[1].target, "/v1/tables/t1x/scan?cursor=c1");
}

TEST(command_runner, json_pages_one_line_each) {
  fake_router router{http_reply{200, R"({"items":[], "cursor":"c1"})"}, http_reply{200, R"({"items":[]})"}};
  auto r = run({"query", "t1x", "h", "--all", "--json"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "{\"items\":[],\"cursor\":\"c1\"}\n{\"items\":[]}\n");
}

TEST(command_runner, one_page_with_more_hints_the_cursor_on_stderr) {
  fake_router router{http_reply{200, R"({"items":[{"hash_key":"a","version":1,"item":{}}],"cursor":"Q1VS"})"}};
  auto r = run({"query", "t1x", "h", "--limit", "1"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, "a  v=1  {}\n");
  EXPECT_EQ(r.err, "more items: add --cursor Q1VS (or --all)\n");
}

TEST(command_runner, empty_result_says_so) {
  fake_router router{http_reply{200, R"({"items":[]})"}};
  auto r = run({"scan", "t1x"}, router);
  EXPECT_EQ(r.out, "(no items)\n");
}

TEST(command_runner, error_in_the_middle_of_paging_keeps_earlier_pages) {
  fake_router router{http_reply{200, R"({"items":[{"hash_key":"a","version":1,"item":{}}],"cursor":"c1"})"},
                      http_reply{400, R"({"error":{"code":"invalid_argument","message":"bad cursor"}})"}};
  auto r = run({"scan", "t1x", "--all"}, router);
  EXPECT_EQ(r.code, exit_usage);
  EXPECT_EQ(r.out, "a  v=1  {}\n");
  EXPECT_EQ(r.err, "error: invalid_argument: bad cursor\n");
}

TEST(command_runner, delete_without_body_and_plain_text_health) {
  fake_router router{http_reply{204, ""}, http_reply{200, "ok"}};
  EXPECT_EQ(run({"delete", "t1x", "h"}, router).out, "deleted h\n");
  EXPECT_EQ(run({"health"}, router).out, "ok\n");
}

TEST(command_runner, garbage_from_the_router_exits_1) {
  fake_router router{http_reply{200, "<html>"}};
  auto r = run({"cluster"}, router);
  EXPECT_EQ(r.code, exit_internal);
  EXPECT_TRUE(r.err.starts_with("error: internal: router answer is not JSON")) << r.err;
}

// Whatever the runner printed as `secret: ...` on `stream`.
std::string printed_secret(const std::string& stream) {
  auto at = stream.find("secret: ");
  if (at == std::string::npos) return {};
  auto end = stream.find('\n', at);
  return stream.substr(at + 8, end - at - 8);
}

TEST(command_runner, hooks_put_generates_a_secret_and_shows_it_once) {
  fake_router router{http_reply{201, R"({"name":"ship","secret_set":true})"}};
  auto r = run({"hooks", "put", "ship", "--url", "http://h/in", "--table", "orders"}, router);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  ASSERT_EQ(router.calls.size(), 1u);
  std::string secret = printed_secret(r.out);
  ASSERT_TRUE(secret.starts_with("whsec_")) << r.out;
  auto bytes = base64_decode(secret.substr(6), base64_alphabet::standard);
  ASSERT_TRUE(bytes.has_value()) << secret;
  EXPECT_EQ(bytes->size(), 32u);
  EXPECT_EQ(router.calls[0].body,
            R"({"url":"http://h/in","table":"orders","secret":")" + secret + R"("})");
  EXPECT_TRUE(r.out.starts_with("created hook ship\n")) << r.out;
  EXPECT_NE(r.err.find("never shows it again"), std::string::npos) << r.err;

  // A second one differs: it comes from the random device, not a seed.
  fake_router again{http_reply{200, R"({"name":"ship"})"}};
  auto r2 = run({"hooks", "put", "ship", "--url", "http://h/in", "--table", "orders"}, again);
  EXPECT_TRUE(r2.out.starts_with("replaced hook ship\n")) << r2.out;
  EXPECT_NE(printed_secret(r2.out), secret);
}

TEST(command_runner, hooks_put_secret_placement) {
  // --json: stdout stays the server's JSON; the secret goes to stderr.
  fake_router json_router{http_reply{201, R"({"name":"ship"})"}};
  auto j = run({"--json", "hooks", "put", "ship", "--url", "http://h/in", "--table", "orders"}, json_router);
  EXPECT_EQ(j.out, "{\"name\":\"ship\"}\n");
  EXPECT_TRUE(printed_secret(j.err).starts_with("whsec_")) << j.err;

  // A given secret is sent and never echoed.
  fake_router given{http_reply{201, R"({"name":"ship"})"}};
  auto g = run({"hooks", "put", "ship", "--url", "http://h/in", "--table", "orders", "--secret", "whsec_QUJD"},
               given);
  EXPECT_EQ(g.out, "created hook ship\n");
  EXPECT_EQ(g.err, "");
  EXPECT_NE(given.calls[0].body.find("\"secret\":\"whsec_QUJD\""), std::string::npos);

  // Refused: the hook was not stored, so the secret is worthless and not shown.
  fake_router refused{http_reply{400, R"({"error":{"code":"invalid_argument","message":"bad url"}})"}};
  auto f = run({"hooks", "put", "ship", "--url", "nope", "--table", "orders"}, refused);
  EXPECT_EQ(f.code, exit_usage);
  EXPECT_EQ(f.err, "error: invalid_argument: bad url\n");
  EXPECT_EQ(f.out, "");

  // No answer: it may have been stored, so the secret is shown on stderr.
  fake_router silent{result<http_reply>(make_error(errc::timeout, "timed out"))};
  auto t = run({"hooks", "put", "ship", "--url", "http://h/in", "--table", "orders"}, silent);
  EXPECT_EQ(t.code, exit_unavailable);
  EXPECT_NE(t.err.find("may have been stored with secret: whsec_"), std::string::npos) << t.err;
}

TEST(command_runner, hooks_list_get_delete) {
  fake_router router{
      http_reply{200, R"({"hooks":[{"name":"ship","table":"orders","url":"http://h","state":{"failing":false,"delivered":1,"pending":0,"last_status":200}}]})"},
      http_reply{404, R"({"error":{"code":"not_found","message":"no hook nope"}})"},
      http_reply{200, R"({"deleted":true,"hook":{"name":"ship"}})"}};
  auto list = run({"hooks", "list"}, router);
  EXPECT_EQ(list.out,
            "NAME  TABLE   URL       STATE  DELIVERED  PENDING  LAST_STATUS\n"
            "ship  orders  http://h  ok     1          0        200\n");
  auto get = run({"hooks", "get", "nope"}, router);
  EXPECT_EQ(get.code, exit_not_found);
  EXPECT_EQ(get.err, "error: not_found: no hook nope\n");
  auto del = run({"hooks", "delete", "ship"}, router);
  EXPECT_EQ(del.code, exit_ok);
  EXPECT_EQ(del.out, "deleted hook ship\n");
  EXPECT_EQ(router.calls[2].method, "DELETE");
  EXPECT_EQ(router.calls[2].target, "/v1/hooks/ship");
}

}  // namespace
}  // namespace ropekv::ctl
