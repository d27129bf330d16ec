#pragma once
// In-process router tests: a REAL actor system with the middleman, segment
// doubles on real SQLite stores (one per segment of test_layout.hpp, each
// published on loopback as its own node), a follower double (node 9) and a
// placement double, and router_service instances with HTTP on 127.0.0.1:0,
// driven over loopback by a Beast client. TearDown stops everything the
// test started: routers first, then the doubles, then the actor system.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <thread>

#include "actor_doubles.hpp"
#include "http_client.hpp"
#include "ropekv/net/percent_decode.hpp"
#include "ropekv/net/type_ids.hpp"
#include "request_runtime.hpp"
#include "router_service.hpp"
#include "ropekv/test_support/temp_dir.hpp"
#include "test_layout.hpp"

namespace ropekv::router::test {

using test_support::temp_dir;

using namespace std::chrono_literals;

struct test_system_config : caf::actor_system_config {
  test_system_config() {
    add_message_types<caf::id_block::ropekv>();
    load<caf::io::middleman>();
  }
};

class router_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    model_ = std::make_shared<placement_model>();
    auto segments = layout_segments();
    for (const auto& s : segments) {
      if (s.replicas.empty()) continue;
      uint64_t node = s.replicas.front().value;
      faults_[node] = std::make_shared<segment_faults>();
      auto store = store_segment::open(dir_.file("seg-" + std::to_string(s.id.value) + ".db"),
                                       store::segment_meta{s.id.value, s.start, s.end, s.epoch});
      owners_[node] = spawn_segment_double(*sys_, std::move(store), faults_[node]);
      model_->nodes[node] = owners_[node].address();
    }
    faults_[9] = std::make_shared<segment_faults>();
    owners_[9] = spawn_follower_double(*sys_, 3, faults_[9]);
    model_->nodes[9] = owners_[9].address();
    model_->rope = make_rope(segments);
    model_->tables["items"] = items_schema();
    model_->tables["kvs"] = kv_schema();
    placement_ = spawn_placement_double(*sys_, model_);
    if (in_process_router()) port_ = start_router();
  }

  /// Fixtures that run the router elsewhere (a child process) say false.
  virtual bool in_process_router() const { return true; }
  /// Bearer tokens (router_auth_test); the other router tests run insecure.
  virtual bool require_auth() const { return false; }

  void TearDown() override {
    for (auto& r : routers_) r->stop();
    routers_.clear();
    for (auto& [node, owner] : owners_) caf::anon_send_exit(owner.handle, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(placement_.handle, caf::exit_reason::user_shutdown);
    owners_.clear();
    sys_.reset();  // waits for every actor to finish
  }

  /// Starts one more router on this actor system; its HTTP port once ready.
  uint16_t start_router() {
    router_service_options o;
    o.http.port = 0;
    o.http.io_threads = 2;
    o.router.segment_timeout = 2s;
    o.router.request_deadline = 10s;
    o.router.require_auth = require_auth();
    o.router.placement_retry = 100ms;
    o.router.retry = fast_retries();
    o.placement.address = placement_.address();
    routers_.push_back(std::make_unique<router_service>(*sys_, o));
    auto started = routers_.back()->start();
    EXPECT_TRUE(started.ok());
    uint16_t port = routers_.back()->port();
    wait_for_rope(port, 1);
    return port;
  }

  /// Retries as the defaults do, only with shorter waits.
  static retry_options fast_retries() {
    retry_options r;
    r.max_attempts = 8;
    r.backoff_base = 2ms;
    r.backoff_max = 20ms;
    return r;
  }

  /// Polls /readyz until the router routes by rope version >= `version`.
  void wait_for_rope(uint16_t port, uint64_t version) {
    http_client c(port);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = c.get("/readyz");
      if (r.status == 200 && r.json()["rope_version"].GetUint64() >= version) return;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "router on port " << port << " never reached rope version " << version;
  }

  /// Edits the rope placement serves (version + 1), optionally pushing it.
  void change_segments(std::vector<rope::segment> segments, bool push) {
    {
      std::lock_guard lock(model_->mutex);
      model_->set_segments(std::move(segments));
    }
    if (push) caf::anon_send(placement_.handle, caf::flush_atom_v);
  }

  /// A hash key of table items whose item (range key "r") lies in `segment`.
  static std::string hash_key_in(uint64_t segment) {
    for (const auto& s : layout_segments()) {
      if (s.id.value != segment) continue;
      for (int i = 0;; ++i) {
        std::string hk = "key" + std::to_string(i);
        if (s.contains(item_key(items_id, hk, "r"))) return hk;
      }
    }
    return {};
  }

  static std::string item_url(const std::string& table, const std::string& hk, const std::string& rk) {
    std::string url = "/v1/tables/" + table + "/items/" + net::percent_encode(hk);
    if (!rk.empty()) url += "/" + net::percent_encode(rk);
    return url;
  }

  test_system_config cfg_;
  temp_dir dir_;
  std::unique_ptr<caf::actor_system> sys_;
  std::shared_ptr<placement_model> model_;
  std::map<uint64_t, std::shared_ptr<segment_faults>> faults_;
  std::map<uint64_t, published_actor> owners_;
  published_actor placement_;
  std::vector<std::unique_ptr<router_service>> routers_;
  uint16_t port_ = 0;
};

}  // namespace ropekv::router::test
