// The real ws_server on 127.0.0.1, port 0, against blocking Beast clients.
// Waits have generous deadlines; no assertion is about speed.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "ropekv/notify/ws_server.hpp"
#include "ws_test_client.hpp"

namespace ropekv::notify {
namespace {

using test::ws_client;
using namespace std::chrono_literals;

std::string json_member(const std::string& text, const char* object, const char* member) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (!doc.IsObject()) return "?";
  const rapidjson::Value* v = &doc;
  if (object) {
    if (!doc.HasMember(object) || !doc[object].IsObject()) return "?";
    v = &doc[object];
  }
  if (!v->HasMember(member) || !(*v)[member].IsString()) return "?";
  return (*v)[member].GetString();
}

class notify_ws_server : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
  }

  ws_options options() {
    ws_options o;
    o.io_threads = 2;
    o.stop_timeout = 500ms;
    return o;
  }

  void start(ws_options o) {
    ws_callbacks cb;
    cb.on_open = [this](connection_id id, std::string remote) {
      // The hook runs before the id is published: open() returns only after
      // it is done, so the test may read what it recorded.
      if (on_open_hook_) on_open_hook_(id);
      {
        std::lock_guard lock(mutex_);
        opened_.push_back(id);
        remotes_.push_back(std::move(remote));
      }
      cv_.notify_all();
    };
    cb.on_text = [this](connection_id id, std::string frame) {
      {
        std::lock_guard lock(mutex_);
        texts_.push_back(frame);
      }
      cv_.notify_all();
      if (echo_) {
        EXPECT_TRUE(server_->send(id, std::move(frame)));
      }
    };
    cb.on_close = [this](connection_id id) {
      {
        std::lock_guard lock(mutex_);
        EXPECT_TRUE(closed_.insert(id).second) << "on_close twice for " << id.value;
      }
      cv_.notify_all();
    };
    if (with_http_) {
      cb.on_http = [](std::string_view method, std::string_view target) -> std::optional<http_reply> {
        if (method == "GET" && target == "/metrics") return http_reply{200, "text/plain", "up 1\n"};
        return std::nullopt;
      };
    }
    server_ = std::make_unique<ws_server>(o, cb);
    auto started = server_->start("127.0.0.1", 0);
    ASSERT_TRUE(started.ok()) << started.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  template <class Pred>
  bool wait_for(Pred pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, test::deadline, pred);
  }

  /// Connects a client and returns the id the server gave it.
  connection_id open(ws_client& c) {
    size_t before;
    {
      std::lock_guard lock(mutex_);
      before = opened_.size();
    }
    auto ec = c.connect(server_->port());
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(wait_for([&] { return opened_.size() > before; }));
    std::lock_guard lock(mutex_);
    return opened_.empty() ? connection_id{} : opened_.back();
  }

  bool closed(connection_id id) {
    return wait_for([&] { return closed_.contains(id); });
  }

  std::unique_ptr<ws_server> server_;
  bool echo_ = false;
  bool with_http_ = false;

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<connection_id> opened_;
  std::vector<std::string> remotes_;
  std::vector<std::string> texts_;
  std::set<connection_id> closed_;
  std::function<void(connection_id)> on_open_hook_;  // set before start()
};

TEST_F(notify_ws_server, echo_through_the_callbacks_in_order) {
  echo_ = true;
  start(options());
  ws_client c;
  const auto id = open(c);
  EXPECT_NE(id.value, 0u);
  EXPECT_EQ(server_->connections(), 1u);
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(remotes_.size(), 1u);
    EXPECT_TRUE(remotes_[0].starts_with("127.0.0.1:")) << remotes_[0];
  }
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.write("msg " + std::to_string(i)));
  for (int i = 0; i < 50; ++i) {
    auto got = c.read();
    ASSERT_TRUE(got) << c.last_error().message();
    EXPECT_EQ(*got, "msg " + std::to_string(i));
  }
  EXPECT_TRUE(c.close());
  EXPECT_TRUE(closed(id));
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(notify_ws_server, connection_ids_are_unique) {
  start(options());
  ws_client a, b;
  const auto ia = open(a);
  const auto ib = open(b);
  EXPECT_NE(ia, ib);
  EXPECT_TRUE(a.close());
  EXPECT_TRUE(closed(ia));
  ws_client c;
  const auto ic = open(c);
  EXPECT_NE(ic, ia);
  EXPECT_NE(ic, ib);
}

TEST_F(notify_ws_server, fragmented_message_arrives_whole) {
  echo_ = true;
  auto o = options();
  o.max_frame_bytes = 4096;
  start(o);
  ws_client c;
  open(c);
  c.fragment(256);
  const std::string big(4096, 'f');  // exactly the limit, in 16 frames
  ASSERT_TRUE(c.write(big));
  auto got = c.read();
  ASSERT_TRUE(got) << c.last_error().message();
  EXPECT_EQ(*got, big);
}

TEST_F(notify_ws_server, healthz) {
  start(options());
  auto res = test::http_get(server_->port(), "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 200u);
  EXPECT_EQ(res->body(), "ok");
}

TEST_F(notify_ws_server, unknown_path_is_a_json_404) {
  start(options());
  auto res = test::http_get(server_->port(), "/nope?x=1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 404u);
  EXPECT_EQ(json_member(res->body(), "error", "code"), "not_found");
  EXPECT_NE(json_member(res->body(), "error", "message"), "?");

  ws_client c;  // an upgrade elsewhere is not a WebSocket either
  EXPECT_TRUE(c.connect(server_->port(), "/v2/ws"));
  EXPECT_EQ(c.response().result_int(), 404u);
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(notify_ws_server, plain_get_of_the_ws_path_needs_an_upgrade) {
  start(options());
  auto res = test::http_get(server_->port(), "/v1/ws");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result_int(), 426u);
  EXPECT_EQ(json_member(res->body(), "error", "code"), "upgrade_required");
}

TEST_F(notify_ws_server, on_http_serves_other_paths) {
  with_http_ = true;
  start(options());
  auto metrics = test::http_get(server_->port(), "/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->result_int(), 200u);
  EXPECT_EQ(metrics->body(), "up 1\n");
  EXPECT_EQ((*metrics)[test::bhttp::field::content_type], "text/plain");
  auto other = test::http_get(server_->port(), "/other");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->result_int(), 404u);
}

TEST_F(notify_ws_server, keep_alive_serves_several_plain_requests) {
  start(options());
  auto res = test::http_exchange(
      server_->port(),
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(res);  // the first of the two; the second must not break the first
  EXPECT_EQ(res->body(), "ok");
}

TEST_F(notify_ws_server, beyond_max_connections_is_a_503_before_upgrading) {
  auto o = options();
  o.max_connections = 2;
  start(o);
  ws_client a, b, c;
  const auto ia = open(a);
  open(b);
  EXPECT_EQ(server_->connections(), 2u);
  EXPECT_TRUE(c.connect(server_->port()));  // declined
  EXPECT_EQ(c.response().result_int(), 503u);
  EXPECT_EQ(json_member(c.response().body(), "error", "code"), "too_many_connections");
  EXPECT_EQ(server_->connections(), 2u);

  EXPECT_TRUE(a.close());
  ASSERT_TRUE(closed(ia));  // on_close follows the slot's release
  ws_client d;
  EXPECT_FALSE(d.connect(server_->port()));
  EXPECT_EQ(server_->connections(), 2u);
}

TEST_F(notify_ws_server, oversized_frame_gets_an_error_frame_then_a_policy_close) {
  auto o = options();
  o.max_frame_bytes = 1024;
  start(o);
  ws_client c;
  const auto id = open(c);
  ASSERT_TRUE(c.write(std::string(1025, 'x')));
  auto err = c.read();
  ASSERT_TRUE(err) << c.last_error().message();
  EXPECT_EQ(json_member(*err, nullptr, "op"), "error");
  EXPECT_EQ(json_member(*err, nullptr, "code"), "frame_too_large");
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.last_error(), test::websocket::error::closed);
  EXPECT_EQ(c.reason().code, ws_close::policy_error);
  EXPECT_TRUE(closed(id));
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(texts_.empty());  // never delivered
}

TEST_F(notify_ws_server, oversized_fragmented_message_is_refused_too) {
  auto o = options();
  o.max_frame_bytes = 1024;
  start(o);
  ws_client c;
  const auto id = open(c);
  c.fragment(200);
  ASSERT_TRUE(c.write(std::string(64 << 10, 'y')));
  auto err = c.read();
  ASSERT_TRUE(err) << c.last_error().message();
  EXPECT_EQ(json_member(*err, nullptr, "code"), "frame_too_large");
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.reason().code, ws_close::policy_error);
  EXPECT_TRUE(closed(id));
}

TEST_F(notify_ws_server, send_after_close_returns_false) {
  start(options());
  ws_client c;
  const auto id = open(c);
  EXPECT_TRUE(server_->send(id, "hi"));
  EXPECT_EQ(c.read().value_or("<closed>"), "hi");
  EXPECT_TRUE(c.close());
  ASSERT_TRUE(closed(id));
  EXPECT_FALSE(server_->send(id, "late"));
  EXPECT_FALSE(server_->send_final(id, "late", {}));
  EXPECT_EQ(server_->queued_bytes(id), 0u);
  EXPECT_EQ(server_->connections(), 0u);
  EXPECT_FALSE(server_->send(connection_id{987654}, "never"));
}

TEST_F(notify_ws_server, budget_is_exact_while_nothing_is_written) {
  // Frames sent from on_open cannot start writing before on_open returns
  // (the write loop runs on the same strand), so the budget is checked
  // against a queue that is known not to drain.
  auto o = options();
  o.queue_limit_bytes = 4000;
  std::vector<bool> results;
  size_t queued_at_open = 0;
  on_open_hook_ = [&](connection_id id) {
    for (int i = 0; i < 5; ++i) results.push_back(server_->send(id, std::string(1000, 'a' + i)));
    results.push_back(server_->send(id, ""));  // an empty frame still fits
    queued_at_open = server_->queued_bytes(id);
  };
  start(o);
  ws_client c;
  const auto id = open(c);
  EXPECT_EQ(results, (std::vector<bool>{true, true, true, true, false, true}));
  EXPECT_EQ(queued_at_open, 4000u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.read().value_or("<closed>"), std::string(1000, 'a' + i));
  EXPECT_EQ(c.read().value_or("<closed>"), "");
  EXPECT_TRUE(server_->send(id, "after"));
  EXPECT_EQ(c.read().value_or("<closed>"), "after");
}

TEST_F(notify_ws_server, a_client_that_does_not_read_exhausts_its_budget) {
  auto o = options();
  o.queue_limit_bytes = 64 << 10;
  start(o);
  ws_client c;
  const auto id = open(c);
  const std::string frame(16 << 10, 'z');
  size_t accepted = 0;
  size_t refusals = 0;
  // Keep offering frames past refusals while the socket buffers fill; once
  // they are full (the client never reads) every offer is refused. The
  // bounds only stop the loop; the assertions below hold however far it got.
  for (size_t attempt = 0; attempt < 1'000'000 && refusals < 20'000; ++attempt) {
    if (server_->send(id, frame)) {
      ++accepted;
      refusals = 0;
    } else {
      ++refusals;
      std::this_thread::yield();  // let the I/O threads drain what they can
    }
    ASSERT_LE(server_->queued_bytes(id), o.queue_limit_bytes);
  }
  ASSERT_GT(refusals, 0u);
  ASSERT_GE(accepted, o.queue_limit_bytes / frame.size());
  // What the notifier does next: a final frame beyond the budget, then close.
  const std::string final_frame = R"({"op":"error","code":"slow_consumer"})";
  EXPECT_TRUE(server_->send_final(id, final_frame, {4000, "slow consumer"}));
  EXPECT_FALSE(server_->send(id, "x"));
  size_t received = 0;
  std::optional<std::string> last;
  while (auto got = c.read()) {
    last = std::move(got);
    ++received;
  }
  EXPECT_EQ(c.last_error(), test::websocket::error::closed);
  EXPECT_EQ(received, accepted + 1);  // nothing dropped, nothing duplicated
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, final_frame);
  EXPECT_EQ(c.reason().code, 4000);
  EXPECT_EQ(std::string(c.reason().reason.data(), c.reason().reason.size()), "slow consumer");
  EXPECT_TRUE(closed(id));
}

TEST_F(notify_ws_server, concurrent_senders_keep_each_senders_order) {
  start(options());
  ws_client c;
  const auto id = open(c);
  constexpr int senders = 4, per_sender = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < senders; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_sender; ++i)
        EXPECT_TRUE(server_->send(id, std::to_string(t) + ":" + std::to_string(i)));
    });
  std::vector<int> next(senders, 0);
  for (int n = 0; n < senders * per_sender; ++n) {
    auto got = c.read();
    ASSERT_TRUE(got) << c.last_error().message();
    const auto colon = got->find(':');
    const int t = std::stoi(got->substr(0, colon));
    EXPECT_EQ(std::stoi(got->substr(colon + 1)), next[t]++) << *got;
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(next, std::vector<int>(senders, per_sender));
}

TEST_F(notify_ws_server, send_final_delivers_then_closes) {
  start(options());
  ws_client c;
  const auto id = open(c);
  EXPECT_TRUE(server_->send(id, "a"));
  // The reason is cut to 123 bytes without splitting a character: 61 two-byte
  // characters and one more that would end at byte 124.
  std::string reason;
  for (int i = 0; i < 70; ++i) reason += "\xc3\xa9";
  EXPECT_TRUE(server_->send_final(id, "bye", {4001, reason}));
  EXPECT_FALSE(server_->send(id, "late"));
  EXPECT_FALSE(server_->send_final(id, "again", {}));
  EXPECT_EQ(c.read().value_or("<closed>"), "a");
  EXPECT_EQ(c.read().value_or("<closed>"), "bye");
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.last_error(), test::websocket::error::closed);
  EXPECT_EQ(c.reason().code, 4001);
  EXPECT_EQ(std::string(c.reason().reason.data(), c.reason().reason.size()), reason.substr(0, 122));
  EXPECT_TRUE(closed(id));
}

TEST_F(notify_ws_server, close_closes_normally) {
  start(options());
  ws_client c;
  const auto id = open(c);
  server_->close(id);
  EXPECT_FALSE(c.read());
  EXPECT_EQ(c.last_error(), test::websocket::error::closed);
  EXPECT_EQ(c.reason().code, ws_close::normal);
  EXPECT_TRUE(closed(id));
  server_->close(id);  // gone: a no-op
}

TEST_F(notify_ws_server, stop_with_open_connections_returns) {
  start(options());
  ws_client a, b, reader;
  std::vector<connection_id> ids{open(a), open(b), open(reader)};
  ASSERT_TRUE(server_->send(ids[0], std::string(1 << 20, 'q')));  // a write that may not finish
  server_->stop();
  EXPECT_EQ(server_->connections(), 0u);
  {
    std::lock_guard lock(mutex_);
    for (auto id : ids) EXPECT_TRUE(closed_.contains(id)) << id.value;
  }
  EXPECT_FALSE(server_->send(ids[1], "after stop"));
  EXPECT_FALSE(reader.read());  // closed: with 1001 or cut
  server_->stop();             // idempotent
}

TEST_F(notify_ws_server, start_reports_a_port_in_use) {
  start(options());
  ws_server other(options(), {});
  auto st = other.start("127.0.0.1", server_->port());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, errc::unavailable);
}

}  // namespace
}  // namespace ropekv::notify
