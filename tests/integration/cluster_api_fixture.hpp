#pragma once
// The fixture of the router API suites (cluster_api_test.cpp,
// cluster_api_query_test.cpp): one cluster per test executable (1
// placement, 3 segment-owners on racks r1..r3, 1 router) with a table kvs,
// and a client that retries 503s as a client following the spec would.
// Tests use their own tables or keys, so their order does not matter
// (except a last test that takes the owners down).
//
// Owns the cluster from SetUpTestSuite to TearDownTestSuite; driven from
// the test's thread only.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>

#include "cluster_harness.hpp"
#include "ropekv/feed/write_token.hpp"
#include "ropekv/keys/key_codec.hpp"

namespace ropekv::integration {

/// The API as a client that retries per spec sees it: a 503 (no leader
/// yet after an election on a loaded machine, retries exhausted inside the
/// router) is retried for up to 20 s; anything else is the answer. Item
/// PUTs and DELETEs carry a request_id, so a retry of one that was applied
/// after all answers its first outcome (not 412 or "created":false).
class retrying_client {
 public:
  using steady = std::chrono::steady_clock;

  explicit retrying_client(uint16_t port) : c_(port, std::chrono::seconds(20)) {}
  http_reply request(std::string_view method, const std::string& t, const std::string& body = {}) {
    std::string target = t;
    if ((method == "PUT" || method == "DELETE") && target.find("/items/") != std::string::npos &&
        target.find("request_id=") == std::string::npos)
      target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("request_id=api-") +
                salt_ + "-" + std::to_string(++ids_);
    auto t0 = steady::now();
    for (;;) {
      auto r = c_.request(method, target, body);
      if (r.status != 503 || steady::now() - t0 > std::chrono::seconds(20)) return r;
      ++retried_;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  http_reply get(const std::string& target) { return request("GET", target); }
  http_reply put(const std::string& target, const std::string& body) { return request("PUT", target, body); }
  http_reply post(const std::string& target, const std::string& body) { return request("POST", target, body); }
  http_reply del(const std::string& target) { return request("DELETE", target); }
  int connections() const { return c_.connections(); }
  int retried() const { return retried_; }
  http_client& raw() { return c_; }

 private:
  http_client c_;
  int retried_ = 0;
  std::string salt_ = std::to_string(std::random_device{}());
  uint64_t ids_ = 0;
};

class cluster_api : public ::testing::Test {
 protected:
  using steady = std::chrono::steady_clock;

  static void SetUpTestSuite() {
    cluster_ = new cluster_harness();
    auto t0 = steady::now();
    try {
      start();
    } catch (const std::exception& e) {
      startup_error_ = new std::string(e.what());
    }
    std::cout << "[ measure  ] cluster up and table kvs writable in "
              << std::chrono::duration<double>(steady::now() - t0).count() << " s\n";
  }
  static void start() {
    auto started = cluster_->start();
    if (!started) {
      startup_error_ = new std::string(started.message());
      return;
    }
    auto t = cluster_->create_table("kvs", R"({"hash_key":"id"})");
    if (!t) startup_error_ = new std::string(t.message());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }
  void SetUp() override {
    if (startup_error_) FAIL() << "cluster did not start: " << *startup_error_;
    client_ = std::make_unique<retrying_client>(cluster_->router_port());
  }
  void TearDown() override {
    if (client_ && client_->retried() > 0)
      std::cout << "[ measure  ] " << client_->retried() << " requests answered 503 and were retried\n";
  }

  retrying_client& c() { return *client_; }
  static std::string item(const std::string& table, const std::string& hk_escaped) {
    return "/v1/tables/" + table + "/items/" + hk_escaped;
  }
  /// Status and error code, for one-line expectations.
  static std::string outcome(const http_reply& r) { return std::to_string(r.status) + " " + r.error_code(); }
  /// The position of a write's token, after checking it names the item
  /// (0 and a failure when it does not).
  static uint64_t token_position(const rapidjson::Value& body, const std::string& table,
                                 const std::string& hk, const std::string& rk = {}) {
    if (!body.IsObject() || !body.HasMember("token") || !body["token"].IsString()) {
      ADD_FAILURE() << "no token in the write's response";
      return 0;
    }
    auto token = feed::parse_write_token(body["token"].GetString());
    if (!token) {
      ADD_FAILURE() << "bad token: " << token.error().message;
      return 0;
    }
    auto id = static_cast<uint32_t>(cluster_->table_id(table));
    EXPECT_EQ(token->table_id(), id);
    EXPECT_EQ(token->key(), keys::encode(keys::make_key(id, hk, rk))) << hk;
    EXPECT_GT(token->position(), 0u);
    return token->position();
  }

  static inline cluster_harness* cluster_ = nullptr;
  static inline std::string* startup_error_ = nullptr;
  std::unique_ptr<retrying_client> client_;
};

}  // namespace ropekv::integration
