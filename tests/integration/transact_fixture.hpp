#pragma once
// The fixture of the transaction suites (transact_*_test.cpp): one cluster
// per test executable (1 placement, 3 owners, 1 router, and `Notifiers`
// notifiers) with tables txa (4 segments), txr (hash + range key, 4
// segments) and txb (2 segments), a client per test, and helpers that
// retry a request while its outcome is unknown (safe: reads, and writes
// with a request_id). Tests use their own keys, so their order does not
// matter. Each file names its suite `transact`:
//
//   using transact = transact_suite<0>;
//
// Owns the cluster from SetUpTestSuite to TearDownTestSuite; driven from
// the test's thread only (load threads open their own http_client).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cluster_harness.hpp"
#include "txn_support.hpp"

namespace ropekv::integration {

template <unsigned Notifiers>
class transact_suite : public ::testing::Test {
 protected:
  using steady = std::chrono::steady_clock;

  static void SetUpTestSuite() {
    cluster_options o;
    o.notifiers = Notifiers;
    cluster_ = new cluster_harness(o);
    auto started = cluster_->start();
    if (!started) {
      startup_error_ = new std::string(started.message());
      return;
    }
    for (auto [name, spec] : {std::pair<const char*, const char*>{"txa", R"({"hash_key":"id","segments":4})"},
                              {"txr", R"({"hash_key":"id","range_key":"rk","segments":4})"},
                              {"txb", R"({"hash_key":"id","segments":2})"}}) {
      auto t = cluster_->create_table(name, spec);
      if (!t) {
        startup_error_ = new std::string(t.message());
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
    delete startup_error_;
    startup_error_ = nullptr;
  }
  void SetUp() override {
    if (startup_error_) FAIL() << "cluster did not start: " << *startup_error_;
    client_ = std::make_unique<http_client>(cluster_->router_port(), std::chrono::seconds(30));
  }

  http_client& c() { return *client_; }

  /// A request retried while it answers 503 or nothing (the body must be
  /// safe to repeat: a read, or a write with a request_id).
  http_reply retried(std::string_view method, const std::string& target, const std::string& body = {}) {
    auto t0 = steady::now();
    for (;;) {
      auto r = c().request(method, target, body);
      if (txn::outcome_known(r) || steady::now() - t0 > std::chrono::seconds(30)) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  http_reply post_txn(const std::string& body) { return retried("POST", "/v1/transact", body); }
  /// A transaction with a fresh request_id, retried until its outcome is known.
  http_reply run(const std::vector<std::string>& ops) { return post_txn(txn::body(ops, ids_.next())); }

  /// A hash key of `table` whose items live in its segment `seg` (in the
  /// order /v1/cluster lists them).
  std::string key_in(const std::string& table, size_t seg, const std::string& stem) {
    auto segs = cluster_->segments(table);
    if (!segs || segs->size() <= seg) {
      ADD_FAILURE() << "table " << table << " has no segment " << seg;
      return stem;
    }
    return cluster_harness::key_in((*segs)[seg], cluster_->table_id(table), stem);
  }

  /// Unconditional PUT with a request_id; the written version.
  uint64_t put(const std::string& table, const std::string& path_key, const std::string& item) {
    auto r = retried("PUT", "/v1/tables/" + table + "/items/" + path_key + "?request_id=" + ids_.next(), item);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? r.json()["version"].GetUint64() : 0;
  }
  /// Strong GET (`query` adds parameters, e.g. "&as_of=17"), retried while
  /// its outcome is unknown.
  txn::item_read get(const std::string& table, const std::string& path_key, const std::string& query = {}) {
    for (auto t0 = steady::now();;) {
      txn::item_read out;
      auto r = c().get("/v1/tables/" + table + "/items/" + path_key + "?consistency=strong" + query);
      out.status = r.status;
      if (r.status == 200) {
        auto d = r.json();
        out.version = d["version"].GetUint64();
        out.item.CopyFrom(d["item"], out.item.GetAllocator());
      }
      if (txn::outcome_known(r) || steady::now() - t0 > std::chrono::seconds(30)) return out;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static std::string item(int n) { return "{\"n\":" + std::to_string(n) + "}"; }
  static std::string put_item(int n, const std::string& more = {}) {
    return "\"item\":" + item(n) + (more.empty() ? "" : "," + more);
  }
  /// Status, error code and body, for failure messages.
  static std::string status(const http_reply& r) {
    return std::to_string(r.status) + " " + r.error_code() + " " + r.body;
  }

  static inline cluster_harness* cluster_ = nullptr;
  static inline std::string* startup_error_ = nullptr;
  std::unique_ptr<http_client> client_;
  txn::request_ids ids_{"txa"};
};

}  // namespace ropekv::integration
