// End to end: the real ropectl binary, run as a subprocess, against a fake
// router -- libs/net's http_server on 127.0.0.1:0 whose handler records each
// request and answers canned JSON in the router's shapes. This tests the
// CLI (arguments, wire format, output, exit codes), not the store.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>

#include "ropekv/net/api_router.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/percent_decode.hpp"
#include "json_value.hpp"
#include "subprocess.hpp"

namespace ropekv::ctl {
namespace {

using namespace std::chrono_literals;
using test::process_result;

struct recorded {
  std::string method, target, body, remote;
};

net::http_response json_reply(unsigned status, std::string body) {
  return net::json_response(status, std::move(body));
}

class ropectl_process_test : public ::testing::Test {
 protected:
  void SetUp() override {
    net::http_server_options o;
    o.io_threads = 1;
    o.drain_timeout = 100ms;  // held (never answered) requests must not slow TearDown
    server_ = std::make_unique<net::http_server>(o, [this](net::http_request req, net::responder r) {
      std::function<void(const net::http_request&, net::responder&)> answer;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back({req.method_name, req.target, req.body, req.remote_address});
        answer = answer_;
      }
      answer(req, r);
    });
    auto started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
  }

  void TearDown() override {
    server_->stop();
    std::lock_guard lock(mutex_);
    held_.clear();
  }

  /// Every request gets `fn`'s response.
  void answer(std::function<net::http_response(const net::http_request&)> fn) {
    std::lock_guard lock(mutex_);
    answer_ = [fn](const net::http_request& req, net::responder& r) { r(fn(req)); };
  }

  /// Requests are kept unanswered (until the server stops).
  void never_answer() {
    std::lock_guard lock(mutex_);
    answer_ = [this](const net::http_request&, net::responder& r) {
      std::lock_guard held_lock(mutex_);
      held_.push_back(std::move(r));
    };
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  process_result ropectl(std::vector<std::string> args, const std::string& stdin_text = {}) {
    args.insert(args.begin(), {ROPECTL_BINARY, "--router", url()});
    return test::run_process(args, stdin_text, {}, {"ROPEKV_ROUTER"});
  }

  std::vector<recorded> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::unique_ptr<net::http_server> server_;
  std::mutex mutex_;
  std::vector<recorded> requests_;
  std::vector<net::responder> held_;  // guarded by mutex_
  std::function<void(const net::http_request&, net::responder&)> answer_ =
      [](const net::http_request&, net::responder& r) {
        r(json_reply(404, R"({"error":{"code":"not_found","message":"no such endpoint"}})"));
      };
};

TEST_F(ropectl_process_test, put_from_stdin_with_json_output) {
  answer([](const net::http_request&) { return json_reply(200, R"({"version":7, "created":true})"); });
  auto r = ropectl({"--json", "put", "users", "u/1 %", "2024", "--if", "absent"}, "{\"n\": 1.50}\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "{\"version\":7,\"created\":true}\n");
  EXPECT_EQ(r.err, "");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].target, "/v1/tables/users/items/u%2F1%20%25/2024?if=absent");
  EXPECT_EQ(reqs[0].body, "{\"n\": 1.50}\n");
}

TEST_F(ropectl_process_test, binary_keys_reach_the_router_intact) {
  answer([](const net::http_request&) {
    return json_reply(200, R"({"hash_key_base64":"AQIv","version":3,"item":{"a":1}})");
  });
  std::string key = "\x01\x02/";
  auto r = ropectl({"get", "users", key});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\\x01\\x02/  v=3  {\"a\":1}\n");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  auto routed = net::route_request(net::http_method::get, reqs[0].target);
  ASSERT_TRUE(routed.ok());
  EXPECT_EQ(routed->hash_key, key);
}

TEST_F(ropectl_process_test, query_all_follows_cursors_over_one_connection) {
  answer([](const net::http_request& req) {
    if (req.target.find("cursor=p2") != std::string::npos)
      return json_reply(200, R"({"items":[{"hash_key":"h","range_key":"c","version":3,"item":{}}]})");
    if (req.target.find("cursor=p1") != std::string::npos)
      return json_reply(200, R"({"items":[],"cursor":"p2"})");
    return json_reply(200, R"({"items":[{"hash_key":"h","range_key":"a","version":1,"item":{"x":1}},
                                        {"hash_key":"h","range_key":"b","version":2,"item":{"x":2}}],"cursor":"p1"})");
  });
  auto r = ropectl({"query", "users", "h", "--limit", "2", "--all"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "h a  v=1  {\"x\":1}\nh b  v=2  {\"x\":2}\nh c  v=3  {}\n");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target, "/v1/tables/users/items/h?limit=2");
  EXPECT_EQ(reqs[1].target, "/v1/tables/users/items/h?limit=2&cursor=p1");
  EXPECT_EQ(reqs[2].target, "/v1/tables/users/items/h?limit=2&cursor=p2");
  EXPECT_EQ(reqs[1].remote, reqs[0].remote);  // same client port: one kept-alive connection
  EXPECT_EQ(reqs[2].remote, reqs[0].remote);
}

TEST_F(ropectl_process_test, tables_list_human_and_json) {
  answer([](const net::http_request&) {
    return json_reply(200, R"({"tables":[{"name":"users","id":1,"hash_key":"id","replication":3}]})");
  });
  auto human = ropectl({"tables", "list"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_EQ(human.out,
            "NAME   HASH_KEY  RANGE_KEY  LOCAL_INDEX  REPLICATION  DEFAULT_TTL\n"
            "users  id        -          -            3            -\n");
  auto json = ropectl({"tables", "list", "--json"});
  EXPECT_EQ(json.out, R"({"tables":[{"name":"users","id":1,"hash_key":"id","replication":3}]})" "\n");
}

TEST_F(ropectl_process_test, not_found_exits_3) {
  answer([](const net::http_request&) {
    return json_reply(404, R"({"error":{"code":"not_found","message":"no such item"}})");
  });
  auto r = ropectl({"get", "users", "nobody"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: not_found: no such item\n");
}

TEST_F(ropectl_process_test, transact_from_stdin_commits_or_exits_4_when_canceled) {
  const std::string txn = R"({"request_id":"r1","ops":[{"put":{"table":"t","hash_key":"a","item":{"n":1}}}]})";
  answer([](const net::http_request&) {
    return json_reply(200, R"({"version":12,"deduplicated":false,"ops":[{"op":"put","table":"t","version":12}]})");
  });
  auto ok = ropectl({"transact", "-"}, txn);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "committed at version 12\n  ops[0]  put t a  v=12\n");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v1/transact");
  EXPECT_EQ(reqs[0].body, txn);

  answer([](const net::http_request&) {
    return json_reply(409, R"({"error":{"code":"transaction_canceled","message":"transaction canceled",)"
                           R"("reasons":[{"index":0,"code":"condition_failed","message":"item exists","version":4}]}})");
  });
  auto canceled = ropectl({"transact", "-"}, txn);
  EXPECT_EQ(canceled.exit_code, 4);
  EXPECT_EQ(canceled.out, "");
  EXPECT_EQ(canceled.err,
            "error: transaction_canceled: transaction canceled\n"
            "  ops[0] put t a: condition_failed: item exists (current version 4)\n");
}

TEST_F(ropectl_process_test, usage_error_exits_2_and_sends_nothing) {
  auto r = ropectl({"put", "users", "h", "--item", "not json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.err.starts_with("error: usage: --item is not valid JSON")) << r.err;
  auto missing = ropectl({"get"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(requests().empty());
}

TEST_F(ropectl_process_test, unreachable_router_exits_5) {
  std::string gone = url();
  server_->stop();  // nothing listens on that port any more
  auto r = test::run_process({ROPECTL_BINARY, "--router", gone, "health"}, {}, {}, {"ROPEKV_ROUTER"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_TRUE(r.err.starts_with("error: unreachable: ")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(ropectl_process_test, silent_router_times_out_with_exit_5) {
  never_answer();
  auto r = ropectl({"--timeout", "0.3", "cluster"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_TRUE(r.err.starts_with("error: timeout: ")) << r.err;
}

TEST_F(ropectl_process_test, router_from_environment_and_base_path) {
  answer([](const net::http_request&) { return json_reply(200, R"({"status":"ok"})"); });
  auto r = test::run_process({ROPECTL_BINARY, "health"}, {}, {"ROPEKV_ROUTER=" + url() + "/kv/"},
                             {"ROPEKV_ROUTER"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/kv/healthz");
}

const char* hook_reply = R"({"name":"ship","url":"http://h:9/in","table":"orders","events":["create"],"prefix":"",
  "created_ms":1700000000000,"secret_set":true,"state":{"notifier":1,"delivered":12,"pending":0,"last_status":204,
  "last_error":"","last_attempt_ms":1700000001000,"last_success_ms":1700000001000,"attempts":0,"failing":false,
  "next_attempt_ms":0}})";

TEST_F(ropectl_process_test, hooks_put_generates_and_prints_the_secret_once) {
  answer([](const net::http_request&) { return json_reply(201, hook_reply); });
  auto r = ropectl({"hooks", "put", "ship", "--url", "http://h:9/in", "--table", "orders", "--events", "create"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(r.out.starts_with("created hook ship\nsecret: whsec_")) << r.out;
  std::string secret = r.out.substr(r.out.find("whsec_"));
  secret.pop_back();  // '\n'
  EXPECT_EQ(secret.size(), 6u + 44u);  // base64 of 32 bytes, padded
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].target, "/v1/hooks/ship");
  EXPECT_EQ(reqs[0].body,
            R"({"url":"http://h:9/in","table":"orders","events":["create"],"secret":")" + secret + R"("})");
  // The router's own parser reads it as a hook named "ship".
  net::http_request req;
  req.method = net::http_method::put;
  req.method_name = "PUT";
  req.target = reqs[0].target;
  req.body = reqs[0].body;
  auto parsed = net::parse_request(req);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->kind, net::api_kind::put_hook);
  EXPECT_EQ(parsed->name, "ship");
}

TEST_F(ropectl_process_test, hooks_list_get_delete) {
  answer([](const net::http_request& req) {
    if (req.target == "/v1/hooks") return json_reply(200, std::string(R"({"hooks":[)") + hook_reply + "]}");
    if (req.method_name == "DELETE") return json_reply(200, std::string(R"({"deleted":true,"hook":)") + hook_reply + "}");
    if (req.target == "/v1/hooks/ship") return json_reply(200, hook_reply);
    return json_reply(404, R"({"error":{"code":"not_found","message":"no hook named nope"}})");
  });
  auto list = ropectl({"hooks", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "NAME  TABLE   URL            STATE  DELIVERED  PENDING  LAST_STATUS\n"
            "ship  orders  http://h:9/in  ok     12         0        204\n");
  auto json = ropectl({"--json", "hooks", "get", "ship"});
  EXPECT_EQ(json.exit_code, 0);
  auto compact = compact_json(hook_reply);
  ASSERT_TRUE(compact.ok());
  EXPECT_EQ(json.out, *compact + "\n");
  auto human = ropectl({"hooks", "get", "ship"});
  EXPECT_NE(human.out.find("state:         ok\n"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("last_success:  2023-11-14T22:13:21.000Z\n"), std::string::npos) << human.out;
  auto missing = ropectl({"hooks", "get", "nope"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_EQ(missing.err, "error: not_found: no hook named nope\n");
  auto del = ropectl({"hooks", "delete", "ship"});
  EXPECT_EQ(del.exit_code, 0);
  EXPECT_EQ(del.out, "deleted hook ship\n");
}

TEST_F(ropectl_process_test, watch_against_a_server_that_refuses_the_upgrade_exits_3) {
  // Not a notifier: an HTTP server that answers the upgrade request with 404.
  auto r = test::run_process({ROPECTL_BINARY, "watch", "orders", "--notifier",
                              "ws://127.0.0.1:" + std::to_string(server_->port())},
                             {}, {}, {"ROPEKV_NOTIFIER"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: not_found: no such endpoint\n");
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/v1/ws");
}

// index create --wait against a router whose index backfills over three
// polls: progress lines on stderr (a pipe: one per change), the active
// index on stdout, exit 0; then a refused definition exits 1.
TEST_F(ropectl_process_test, index_create_wait_shows_progress_until_active) {
  auto index = [](const std::string& state, const std::string& backfill) {
    return R"({"name":"by_city","table":"users","id":2,"attribute":"city","type":"string","projection":"all",)"
           R"("unique":false,"created_ms":1700000000000,"state":")" + state + "\"" + backfill +
           R"(,"lag_ms":0,"entries":5,"unique_violations":0,"replicas":[{"indexer":1,"state":")" + state + R"("}]})";
  };
  std::atomic<int> gets{0};
  answer([&](const net::http_request& req) {
    if (req.method_name == "PUT") return json_reply(201, index("backfilling", R"(,"backfill":{"items_done":0,"items_estimated":5,"items_per_s":0})"));
    switch (gets++) {
      case 0: return json_reply(200, index("backfilling", R"(,"backfill":{"items_done":2,"items_estimated":5,"items_per_s":8})"));
      case 1: return json_reply(200, index("backfilling", R"(,"backfill":{"items_done":2,"items_estimated":5,"items_per_s":4})"));
      default: return json_reply(200, index("active", ""));
    }
  });
  auto start = std::chrono::steady_clock::now();
  auto r = ropectl({"index", "create", "users", "by_city", "--attribute", "city", "--wait"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, index("active", "") + "\n");
  EXPECT_EQ(r.err,
            "by_city  backfilling  [------------------------]    0%  0/5 items\n"
            "by_city  backfilling  [#########---------------]   40%  2/5 items  8 items/s  ETA 1s\n"
            "by_city  active  5 entries\n");
  EXPECT_GE(took, 3 * 250ms);  // polled at the stated interval, not in a busy loop
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].method, "PUT");
  EXPECT_EQ(reqs[0].target, "/v1/tables/users/indexes/by_city");
  EXPECT_EQ(reqs[0].body, R"({"attribute":"city"})");
  for (size_t i = 1; i < reqs.size(); ++i) {
    EXPECT_EQ(reqs[i].method, "GET");
    EXPECT_EQ(reqs[i].target, "/v1/tables/users/indexes/by_city");
  }

  answer([](const net::http_request&) {
    return json_reply(409, R"({"error":{"code":"already_exists","message":"index by_city exists with another definition"}})");
  });
  auto refused = ropectl({"index", "create", "users", "by_city", "--attribute", "zip", "--wait"});
  EXPECT_EQ(refused.exit_code, 4);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(refused.err, "error: already_exists: index by_city exists with another definition\n");
}

}  // namespace
}  // namespace ropekv::ctl
