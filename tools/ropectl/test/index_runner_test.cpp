// The index subcommands with a scripted transport: requests sent, stdout,
// stderr and exit codes, including `create --wait` polling to "active"
// (with a fake sleep: no real time passes).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <sstream>

#include "index_runner.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;

struct scripted_router {
  scripted_router(std::initializer_list<result<http_reply>> scripted) : replies(scripted) {}

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
  std::vector<std::chrono::milliseconds> sleeps;
};

outcome run(std::vector<std::string> args, scripted_router& router, bool terminal = false) {
  args.insert(args.begin(), "ropectl");
  auto parsed = parse_args(args, nullptr);
  EXPECT_TRUE(parsed.args) << parsed.err;
  if (!parsed.args) return {};
  outcome o;
  index_wait_env env;
  env.terminal = terminal;
  env.sleep = [&o](std::chrono::milliseconds d) { o.sleeps.push_back(d); };
  std::ostringstream out, err;
  o.code = run_index(*parsed.args, router.fetch(), out, err, env);
  o.out = out.str();
  o.err = err.str();
  return o;
}

std::string index_json(const std::string& state, const std::string& backfill = {}) {
  std::string body = R"({"name":"by_city","table":"users","id":4,"attribute":"address.city",)"
                     R"("type":"string","projection":"all","unique":false,"created_ms":1700000000000,)"
                     R"("state":")" + state + "\"";
  if (!backfill.empty()) body += R"(,"backfill":)" + backfill;
  return body + R"(,"lag_ms":0,"entries":3,"unique_violations":0,"replicas":[]})";
}

TEST(index_runner, create_prints_the_index_json) {
  scripted_router router{{http_reply{201, index_json("unassigned")}}};
  auto r = run({"index", "create", "users", "by_city", "--attribute", "address.city", "--type", "string",
                "--projection", "keys", "--unique"},
               router);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  EXPECT_EQ(r.out, index_json("unassigned") + "\n");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(router.calls.size(), 1u);
  EXPECT_EQ(router.calls[0],
            (api_call{"PUT", "/v1/tables/users/indexes/by_city",
                      R"({"attribute":"address.city","type":"string","projection":"keys","unique":true})"}));
}

TEST(index_runner, create_wait_polls_until_active_with_progress_lines) {
  scripted_router router{{
      http_reply{201, index_json("unassigned")},
      http_reply{200, index_json("backfilling", R"({"items_done":0,"items_estimated":4,"items_per_s":0})")},
      http_reply{200, index_json("backfilling", R"({"items_done":2,"items_estimated":4,"items_per_s":8})")},
      http_reply{200, index_json("active")},
  }};
  auto r = run({"index", "create", "users", "by_city", "--attribute", "address.city", "--wait"}, router);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  EXPECT_EQ(r.out, index_json("active") + "\n");
  EXPECT_EQ(r.err,
            "by_city  unassigned: no indexer is alive, waiting\n"
            "by_city  backfilling  [------------------------]    0%  0/4 items\n"
            "by_city  backfilling  [############------------]   50%  2/4 items  8 items/s  ETA 1s\n"
            "by_city  active  3 entries\n");
  EXPECT_EQ(r.sleeps, (std::vector<std::chrono::milliseconds>(3, 250ms)));
  ASSERT_EQ(router.calls.size(), 4u);
  EXPECT_EQ(router.calls[0].body, R"({"attribute":"address.city"})");  // router defaults apply
  for (size_t i = 1; i < 4; ++i)
    EXPECT_EQ(router.calls[i], (api_call{"GET", "/v1/tables/users/indexes/by_city", ""}));
}

TEST(index_runner, create_wait_on_a_terminal_redraws_one_line) {
  scripted_router router{{
      http_reply{201, index_json("backfilling", R"({"items_done":1,"items_estimated":4,"items_per_s":1})")},
      http_reply{200, index_json("active")},
  }};
  auto r = run({"index", "create", "users", "by_city", "--attribute", "a", "--wait"}, router, true);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  std::string first = "by_city  backfilling  [######------------------]   25%  1/4 items  1 items/s  ETA 3s";
  std::string last = "by_city  active  3 entries";
  EXPECT_EQ(r.err, "\r" + first + "\r" + last + std::string(first.size() - last.size(), ' ') + "\n");
}

TEST(index_runner, create_wait_of_an_active_index_does_not_poll) {
  scripted_router router{{http_reply{200, index_json("active")}}};  // same definition, already built
  auto r = run({"index", "create", "users", "by_city", "--attribute", "address.city", "--wait"}, router);
  EXPECT_EQ(r.code, exit_ok);
  EXPECT_EQ(r.out, index_json("active") + "\n");
  EXPECT_TRUE(r.sleeps.empty());
  EXPECT_EQ(router.calls.size(), 1u);
}

TEST(index_runner, create_conflict_exits_4_with_the_message) {
  scripted_router router{{http_reply{
      409, R"({"error":{"code":"index_exists","message":"by_city exists with another definition"}})"}}};
  auto r = run({"index", "create", "users", "by_city", "--attribute", "zip", "--wait"}, router);
  EXPECT_EQ(r.code, exit_conflict);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: index_exists: by_city exists with another definition\n");
  EXPECT_TRUE(r.sleeps.empty());
}

TEST(index_runner, errors_while_waiting_end_the_progress_line_first) {
  const std::string backfill =
      index_json("backfilling", R"({"items_done":1,"items_estimated":4,"items_per_s":1})");
  scripted_router deleted{http_reply{201, backfill},
                          http_reply{404, R"({"error":{"code":"not_found","message":"no index by_city"}})"}};
  auto d = run({"index", "create", "users", "by_city", "--attribute", "a", "--wait"}, deleted, true);
  EXPECT_EQ(d.code, exit_not_found);
  EXPECT_EQ(d.out, "");
  EXPECT_TRUE(d.err.ends_with(" 3s\nerror: not_found: no index by_city\n")) << d.err;

  scripted_router gone{{http_reply{201, backfill}, make_error(errc::unavailable, "connection refused")}};
  auto g = run({"index", "create", "users", "by_city", "--attribute", "a", "--wait"}, gone);
  EXPECT_EQ(g.code, exit_unavailable);
  EXPECT_TRUE(g.err.ends_with("items/s  ETA 3s\nerror: unreachable: connection refused\n")) << g.err;

  scripted_router garbled{{http_reply{201, "[]"}}};
  auto b = run({"index", "create", "users", "by_city", "--attribute", "a", "--wait"}, garbled);
  EXPECT_EQ(b.code, exit_internal);
  EXPECT_EQ(b.err, "error: internal: router answer is not an index object\n");
}

TEST(index_runner, get_list_delete_print_json) {
  scripted_router router{{
      http_reply{200, "{\n \"indexes\": [" + index_json("active") + "]\n}"},
      http_reply{200, index_json("active")},
      http_reply{200, R"({"deleted":true,"index":)" + index_json("active") + "}"},
  }};
  auto list = run({"index", "list", "users"}, router);
  EXPECT_EQ(list.out, R"({"indexes":[)" + index_json("active") + "]}\n");  // compacted
  auto get = run({"index", "get", "users", "by_city"}, router);
  EXPECT_EQ(get.out, index_json("active") + "\n");
  auto del = run({"index", "delete", "users", "by_city"}, router);
  EXPECT_EQ(del.code, exit_ok);
  EXPECT_EQ(del.out, R"({"deleted":true,"index":)" + index_json("active") + "}\n");
  ASSERT_EQ(router.calls.size(), 3u);
  EXPECT_EQ(router.calls[0], (api_call{"GET", "/v1/tables/users/indexes", ""}));
  EXPECT_EQ(router.calls[1], (api_call{"GET", "/v1/tables/users/indexes/by_city", ""}));
  EXPECT_EQ(router.calls[2], (api_call{"DELETE", "/v1/tables/users/indexes/by_city", ""}));
}

const std::string page1 =
    R"({"items":[{"hash_key":"u1","version":5,"item":{"city":"Oslo"}},)"
    R"({"hash_key":"u2","version":6,"item":{"city":"Oslo"}}],"cursor":"C1","lag_ms":3})";
const std::string page2 = R"({"items":[{"hash_key_base64":"AQI","version":7}],"lag_ms":0})";

TEST(index_runner, query_prints_one_page_or_every_item_with_all) {
  scripted_router one{{http_reply{200, page1}}};
  auto r = run({"index", "query", "users", "by_city", "--eq", "Oslo", "--limit", "2", "--after", "T1,T2",
                "--after", "T3"},
               one);
  EXPECT_EQ(r.code, exit_ok) << r.err;
  EXPECT_EQ(r.out, page1 + "\n");
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(one.calls.size(), 1u);
  EXPECT_EQ(one.calls[0].target,
            "/v1/tables/users/indexes/by_city/items?eq=Oslo&limit=2&after=T1&after=T2&after=T3");

  scripted_router all{{http_reply{200, page1}, http_reply{200, page2}}};
  auto a = run({"index", "query", "users", "by_city", "--from", "A", "--to", "P", "--reverse", "--all"}, all);
  EXPECT_EQ(a.code, exit_ok) << a.err;
  EXPECT_EQ(a.out,
            R"({"hash_key":"u1","version":5,"item":{"city":"Oslo"}})" "\n"
            R"({"hash_key":"u2","version":6,"item":{"city":"Oslo"}})" "\n"
            R"({"hash_key_base64":"AQI","version":7})" "\n");
  ASSERT_EQ(all.calls.size(), 2u);
  EXPECT_EQ(all.calls[0].target, "/v1/tables/users/indexes/by_city/items?from=A&to=P&reverse=true");
  EXPECT_EQ(all.calls[1].target,
            "/v1/tables/users/indexes/by_city/items?from=A&to=P&reverse=true&cursor=C1");

  scripted_router pages{{http_reply{200, page1}, http_reply{200, page2}}};
  auto j = run({"--json", "index", "query", "users", "by_city", "--all"}, pages);
  EXPECT_EQ(j.out, page1 + "\n" + page2 + "\n");
}

TEST(index_runner, query_errors) {
  scripted_router not_ready{{http_reply{
      503, R"({"error":{"code":"index_not_ready","message":"by_city is still backfilling"}})"}}};
  auto r = run({"index", "query", "users", "by_city", "--eq", "x"}, not_ready);
  EXPECT_EQ(r.code, exit_unavailable);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: index_not_ready: by_city is still backfilling\n");

  scripted_router half{http_reply{200, page1},
                       http_reply{400, R"({"error":{"code":"bad_cursor","message":"no"}})"}};
  auto h = run({"index", "query", "users", "by_city", "--all"}, half);
  EXPECT_EQ(h.code, exit_usage);
  EXPECT_EQ(std::count(h.out.begin(), h.out.end(), '\n'), 2);  // the first page's items stay printed
  EXPECT_EQ(h.err, "error: bad_cursor: no\n");
}

}  // namespace
}  // namespace ropekv::ctl
