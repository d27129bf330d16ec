// The real server on 127.0.0.1, port 0, against a small blocking client.
// Deadlines are generous; no assertion is about speed.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "ropekv/net/api_router.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/json_writer.hpp"
#include "test_http_client.hpp"

namespace ropekv::net {
namespace {

using test::raw_request;
using test::test_http_client;
using namespace std::chrono_literals;

std::string error_code_of(const test::test_response& res) {
  rapidjson::Document doc;
  doc.Parse(res.body().c_str());
  if (!doc.IsObject() || !doc.HasMember("error") || !doc["error"]["code"].IsString()) return "?";
  return doc["error"]["code"].GetString();
}

class http_server_test : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mutex_);
      workers.swap(workers_);
    }
    for (auto& t : workers) t.join();
    server_.reset();
    held_.clear();  // responders outliving their server: must be harmless
  }

  http_server_options options() {
    http_server_options o;
    o.io_threads = 2;
    o.idle_timeout = 10s;
    return o;
  }

  void start(http_server_options o) {
    server_ = std::make_unique<http_server>(
        o, [this](http_request req, responder r) { handle(std::move(req), std::move(r)); });
    auto started = server_->start();
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  std::unique_ptr<test_http_client> connected() {
    auto c = std::make_unique<test_http_client>();
    EXPECT_TRUE(c->connect(server_->port()));
    return c;
  }

  void handle(http_request req, responder r) {
    const std::string& t = req.target;
    if (t.starts_with("/echo")) {
      http_response res;
      res.content_type = "text/plain";
      res.body = req.method_name + " " + t + "|" + req.body;
      return r(std::move(res));
    }
    if (t.starts_with("/async")) {
      auto ms = std::chrono::milliseconds(std::stoi(t.substr(t.find('=') + 1)));
      std::lock_guard lock(mutex_);
      workers_.emplace_back([ms, r = std::move(r)]() mutable {
        std::this_thread::sleep_for(ms);  // the "slow backend"; tests never sleep
        http_response res;
        res.body = R"({"late":true})";
        r(std::move(res));
      });
      return;
    }
    if (t == "/hold") {
      std::lock_guard lock(mutex_);
      held_.push_back(std::move(r));
      held_changed_.notify_all();
      return;
    }
    if (t == "/throw") throw std::runtime_error("handler bug");
    if (t == "/drop") return;  // responder destroyed unanswered
    auto parsed = parse_request(req);
    if (!parsed) return r(error_response(parsed.error()));
    json_writer w;
    w.begin_object().field("kind", to_string(parsed->kind)).end_object();
    r(json_response(200, w.take()));
  }

  bool wait_held(size_t n) {
    std::unique_lock lock(mutex_);
    return held_changed_.wait_for(lock, 10s, [&] { return held_.size() >= n; });
  }

  std::unique_ptr<http_server> server_;
  std::mutex mutex_;
  std::condition_variable held_changed_;
  std::vector<std::thread> workers_;
  std::vector<responder> held_;
};

TEST_F(http_server_test, keep_alive_serves_several_requests_on_one_connection) {
  start(options());
  auto c = connected();
  for (int i = 0; i < 5; ++i) {
    std::string target = "/echo/" + std::to_string(i);
    ASSERT_TRUE(c->send(raw_request("POST", target, "b" + std::to_string(i))));
    auto res = c->read_response();
    ASSERT_TRUE(res) << c->last_error().message();
    EXPECT_EQ(res->result_int(), 200u);
    EXPECT_EQ(res->body(), "POST " + target + "|b" + std::to_string(i));
    EXPECT_TRUE(res->keep_alive());
  }
  EXPECT_EQ(server_->active_connections(), 1u);
}

TEST_F(http_server_test, pipelined_requests_are_answered_in_order) {
  start(options());
  auto c = connected();
  // The first answer is the slowest; it must still come first.
  ASSERT_TRUE(c->send(raw_request("GET", "/async?ms=100") + raw_request("GET", "/echo/1") +
                     raw_request("PUT", "/echo/2", "x")));
  auto a = c->read_response(), b = c->read_response(), d = c->read_response();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->body(), R"({"late":true})");
  EXPECT_EQ(b->body(), "GET /echo/1|");
  EXPECT_EQ(d->body(), "PUT /echo/2|x");
}

TEST_F(http_server_test, handler_answers_later_from_another_thread) {
  auto o = options();
  o.idle_timeout = 200ms;  // shorter than the handler: its time is not idle time
  start(o);
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/async?ms=500")));
  auto res = c->read_response();
  ASSERT_TRUE(res) << c->last_error().message();
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), R"({"late":true})");
  EXPECT_EQ((*res)[test::bhttp::field::content_type], "application/json");
}

TEST_F(http_server_test, unanswered_or_throwing_handler_gives_500_and_keeps_connection) {
  start(options());
  auto c = connected();
  for (const char* target : {"/drop", "/throw"}) {
    ASSERT_TRUE(c->send(raw_request("GET", target)));
    auto res = c->read_response();
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result_int(), 500u);
    EXPECT_EQ(error_code_of(*res), "internal");
  }
  ASSERT_TRUE(c->send(raw_request("GET", "/echo")));
  auto res = c->read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
}

TEST_F(http_server_test, body_over_limit_is_413_and_closes) {
  auto o = options();
  o.max_body_bytes = 1024;
  start(o);
  {
    auto c = connected();
    ASSERT_TRUE(c->send(raw_request("PUT", "/echo", std::string(2000, 'x'))));
    auto res = c->read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_EQ(error_code_of(*res), "too_large");
    EXPECT_TRUE(c->wait_closed());
  }
  {  // chunked: the limit applies as the body arrives
    auto c = connected();
    std::string chunk(800, 'y');
    ASSERT_TRUE(c->send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
    auto res = c->read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 413u);
    EXPECT_TRUE(c->wait_closed());
  }
  {  // at the limit is fine
    auto c = connected();
    ASSERT_TRUE(c->send(raw_request("PUT", "/echo", std::string(1024, 'z'))));
    auto res = c->read_response();
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result_int(), 200u);
  }
}

TEST_F(http_server_test, header_over_limit_is_431) {
  auto o = options();
  o.max_header_bytes = 1024;
  start(o);
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/echo", {}, "X-Big: " + std::string(4000, 'h') + "\r\n")));
  auto res = c->read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 431u);
  EXPECT_EQ(error_code_of(*res), "too_large");
  EXPECT_TRUE(c->wait_closed());
}

TEST_F(http_server_test, malformed_request_is_400_and_closes) {
  start(options());
  for (std::string garbage : {"this is not http\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n",
                              "GET /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
    auto c = connected();
    ASSERT_TRUE(c->send(garbage));
    auto res = c->read_response();
    ASSERT_TRUE(res) << garbage;
    EXPECT_EQ(res->result_int(), 400u) << garbage;
    EXPECT_EQ(error_code_of(*res), "invalid_argument");
    EXPECT_FALSE(res->keep_alive());
    EXPECT_TRUE(c->wait_closed());
  }
}

TEST_F(http_server_test, connections_beyond_the_cap_get_503) {
  auto o = options();
  o.max_connections = 2;
  start(o);
  auto a = connected(), b = connected();
  for (auto* c : {a.get(), b.get()}) {  // a served request proves the connection is admitted
    ASSERT_TRUE(c->send(raw_request("GET", "/echo")));
    ASSERT_TRUE(c->read_response());
  }
  auto extra = connected();
  auto refused = extra->read_response();
  ASSERT_TRUE(refused) << extra->last_error().message();
  EXPECT_EQ(refused->result_int(), 503u);
  EXPECT_EQ(error_code_of(*refused), "unavailable");
  EXPECT_TRUE(extra->wait_closed());
  EXPECT_EQ(server_->active_connections(), 2u);
  EXPECT_EQ(server_->stats().refused_max_connections, 1u);
  EXPECT_EQ(server_->stats().accepted, 3u);

  // Capacity returns once a client leaves (the server notices asynchronously).
  a->close();
  bool served = false;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !served && std::chrono::steady_clock::now() < deadline;) {
    auto c = connected();
    ASSERT_TRUE(c->send(raw_request("GET", "/echo")));
    auto res = c->read_response();
    served = res && res->result_int() == 200;
    if (!served) std::this_thread::sleep_for(20ms);  // poll interval, not a timing assumption
  }
  EXPECT_TRUE(served);
}

// Polls `pred` for a value the server sets right after the client saw the
// close (bounded, not a timing assumption).
template <class Pred>
bool eventually(Pred pred) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

TEST_F(http_server_test, idle_and_slowloris_connections_are_closed) {
  auto o = options();
  o.idle_timeout = 200ms;
  o.header_timeout = 200ms;
  start(o);
  auto silent = connected();
  EXPECT_TRUE(silent->wait_closed(10s));
  auto slow = connected();
  ASSERT_TRUE(slow->send("GET /echo HTTP/1.1\r\nHost: t\r\n"));  // never finishes the header
  EXPECT_TRUE(slow->wait_closed(10s));
  auto kept = connected();  // idle after one keep-alive request
  ASSERT_TRUE(kept->send(raw_request("GET", "/echo")));
  ASSERT_TRUE(kept->read_response());
  EXPECT_TRUE(kept->wait_closed(10s));
  // Which deadline cut each: the header one only the slowloris client.
  // (Beast closes the socket on a deadline before our handler counts it.)
  EXPECT_TRUE(eventually([this] { return server_->stats().header_timeouts == 1; }));
  EXPECT_TRUE(eventually([this] { return server_->stats().idle_timeouts >= 1; }));  // the silent one
}

TEST_F(http_server_test, a_body_that_does_not_arrive_in_time_is_cut) {
  auto o = options();
  o.body_timeout = 200ms;
  start(o);
  auto slow = connected();
  ASSERT_TRUE(slow->send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  EXPECT_TRUE(slow->wait_closed(10s));
  EXPECT_TRUE(eventually([this] { return server_->stats().body_timeouts == 1; }));
  EXPECT_EQ(server_->stats().header_timeouts, 0u);
}

TEST_F(http_server_test, expect_100_continue_invites_the_body) {
  start(options());
  auto c = connected();
  ASSERT_TRUE(c->send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto interim = c->read_response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->result_int(), 100u);
  ASSERT_TRUE(c->send("hello"));
  auto res = c->read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body(), "PUT /echo|hello");
}

TEST_F(http_server_test, http_1_0_closes_after_the_response) {
  start(options());
  auto c = connected();
  ASSERT_TRUE(c->send("GET /echo HTTP/1.0\r\n\r\n"));
  auto res = c->read_response();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_TRUE(c->wait_closed());
}

TEST_F(http_server_test, routes_through_the_v1_request_layer) {
  start(options());
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/v1/tables/users/items/a%2Fb/r?consistency=eventual")));
  auto ok = c->read_response();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body(), R"({"kind":"get_item"})");
  ASSERT_TRUE(c->send(raw_request("POST", "/v1/tables/users")));
  auto not_allowed = c->read_response();
  ASSERT_TRUE(not_allowed);
  EXPECT_EQ(not_allowed->result_int(), 405u);
  EXPECT_EQ((*not_allowed)["Allow"], "PUT, GET, DELETE");
  ASSERT_TRUE(c->send(raw_request("PUT", "/v1/tables/users", "{nope")));
  auto bad_json = c->read_response();
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->result_int(), 400u);
  EXPECT_EQ(error_code_of(*bad_json), "invalid_json");
}

TEST_F(http_server_test, stop_closes_idle_connections_and_is_idempotent) {
  start(options());
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/echo")));
  ASSERT_TRUE(c->read_response());
  server_->stop();
  EXPECT_TRUE(c->wait_closed());
  EXPECT_EQ(server_->active_connections(), 0u);
  server_->stop();
  test_http_client late;
  EXPECT_FALSE(late.connect(server_->port()) && late.send(raw_request("GET", "/echo")) &&
               late.read_response(2s));
}

TEST_F(http_server_test, stop_lets_a_request_in_progress_finish) {
  start(options());
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/hold")));
  ASSERT_TRUE(wait_held(1));
  std::thread stopper([this] { server_->stop(); });
  {
    std::lock_guard lock(mutex_);
    held_[0](json_response(200, R"({"done":true})"));
  }
  auto res = c->read_response();
  stopper.join();
  ASSERT_TRUE(res) << c->last_error().message();
  EXPECT_EQ(res->body(), R"({"done":true})");
  EXPECT_TRUE(c->wait_closed());
}

TEST_F(http_server_test, responder_used_after_stop_is_a_no_op) {
  auto o = options();
  o.drain_timeout = 100ms;
  start(o);
  auto c = connected();
  ASSERT_TRUE(c->send(raw_request("GET", "/hold")));
  ASSERT_TRUE(wait_held(1));
  server_->stop();  // the held request never answers: stop gives up after drain_timeout
  EXPECT_TRUE(c->wait_closed());
  std::lock_guard lock(mutex_);
  held_[0](json_response(200, "{}"));
  EXPECT_FALSE(held_[0].pending());
}

TEST(http_server, start_fails_cleanly_on_a_used_port) {
  http_server first({}, [](http_request, responder r) { r(json_response(200, "{}")); });
  ASSERT_TRUE(first.start().ok());
  http_server_options o;
  o.port = first.port();
  http_server second(o, [](http_request, responder r) { r(json_response(200, "{}")); });
  auto started = second.start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code, errc::unavailable);
  first.stop();
}

}  // namespace
}  // namespace ropekv::net
