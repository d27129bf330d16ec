// The notifier end to end: real placement, owners, router and two
// notifiers on loopback, driven through the router's HTTP API and
// WebSocket clients (DESIGN §7, docs/notifier.md).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "cluster_harness.hpp"
#include "http_client.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/webhook/signature.hpp"
#include "webhook_receiver.hpp"
#include "ws_client.hpp"

namespace ropekv::integration {
namespace {

using namespace std::chrono_literals;

class notifier_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_options o;
    o.notifiers = 2;
    // Small queues so a slow consumer is cut off after little data.
    o.notifier_args =
        "--queue-limit-bytes=262144 --max-subscriptions=8 --max-frame-bytes=4096"
        " --hook-schedule=0,100ms,200ms,400ms,800ms,1s --hook-timeout=2s";
    cluster_ = new cluster_harness(o);
    auto started = cluster_->start();
    ASSERT_TRUE(started);
    ASSERT_TRUE(cluster_->create_table("feed", R"({"hash_key":"id","segments":2})"));
    ASSERT_TRUE(cluster_->create_table("ranged", R"({"hash_key":"user","range_key":"ts"})"));
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (cluster_ == nullptr) GTEST_SKIP() << "cluster did not start";
    http_ = std::make_unique<http_client>(cluster_->router_port());
  }

  http_client& c() { return *http_; }
  uint64_t put(const std::string& table, const std::string& key, const std::string& body,
               const std::string& query = "") {
    auto r = c().put("/v1/tables/" + table + "/items/" + key + query, body);
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) return 0;
    return r.json()["version"].GetUint64();
  }

  /// Subscribes and returns the token of the `subscribed` answer.
  static std::string subscribe(ws_client& ws, const std::string& frame) {
    EXPECT_TRUE(ws.send(frame));
    auto d = ws.read_json(20s);
    EXPECT_TRUE(d.IsObject()) << "no answer to " << frame;
    if (!d.IsObject()) return {};
    EXPECT_STREQ(d["op"].GetString(), "subscribed") << frame;
    return d.HasMember("token") ? d["token"].GetString() : "";
  }

  /// Reads frames until an event frame arrives (nullopt on timeout).
  static rapidjson::Document next_event(ws_client& ws, std::chrono::milliseconds wait = 20s) {
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      auto d = ws.read_json(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()));
      if (!d.IsObject()) break;
      if (std::string(d["op"].GetString()) == "event") return d;
    }
    return rapidjson::Document{};
  }

  static inline cluster_harness* cluster_ = nullptr;
  std::unique_ptr<http_client> http_;
};

TEST_F(notifier_suite, subscribers_see_creates_updates_and_deletes_in_order) {
  ws_client ws(cluster_->notifier_port(0));
  subscribe(ws, R"({"op":"subscribe","id":"s1","table":"feed","hash_key":"order-1"})");
  uint64_t v1 = put("feed", "order-1", R"({"total":5})");
  uint64_t v2 = put("feed", "order-1", R"({"total":7})");
  put("feed", "other", R"({"total":1})");  // another key: filtered out
  ASSERT_EQ(c().del("/v1/tables/feed/items/order-1").status, 200u);

  auto e1 = next_event(ws);
  ASSERT_TRUE(e1.IsObject());
  EXPECT_STREQ(e1["sub"].GetString(), "s1");
  EXPECT_STREQ(e1["kind"].GetString(), "create");
  EXPECT_STREQ(e1["table"].GetString(), "feed");
  EXPECT_STREQ(e1["hash_key"].GetString(), "order-1");
  EXPECT_EQ(e1["version"].GetUint64(), v1);
  EXPECT_EQ(e1["prev_version"].GetUint64(), 0u);
  EXPECT_EQ(e1["item"]["total"].GetInt(), 5);
  EXPECT_EQ(e1["partition"].GetUint(), keys::partition_of("order-1"));
  EXPECT_TRUE(e1["token"].IsString());
  auto e2 = next_event(ws);
  ASSERT_TRUE(e2.IsObject());
  EXPECT_STREQ(e2["kind"].GetString(), "update");
  EXPECT_EQ(e2["version"].GetUint64(), v2);
  EXPECT_EQ(e2["prev_version"].GetUint64(), v1);
  EXPECT_EQ(e2["item"]["total"].GetInt(), 7);
  auto e3 = next_event(ws);
  ASSERT_TRUE(e3.IsObject());
  EXPECT_STREQ(e3["kind"].GetString(), "delete");
  EXPECT_EQ(e3["prev_version"].GetUint64(), v2);
  EXPECT_FALSE(e3.HasMember("item"));
}

TEST_F(notifier_suite, a_token_resumes_after_the_last_event_on_any_notifier) {
  std::string token;
  {
    ws_client ws(cluster_->notifier_port(0));
    subscribe(ws, R"({"op":"subscribe","id":1,"table":"feed","prefix":"resume-"})");
    put("feed", "resume-a", R"({"n":1})");
    auto e = next_event(ws);
    ASSERT_TRUE(e.IsObject());
    EXPECT_EQ(e["sub"].GetInt(), 1);  // ids come back as given
    EXPECT_STREQ(e["hash_key"].GetString(), "resume-a");
    token = e["token"].GetString();
  }
  // Written while nobody listens.
  uint64_t vb = put("feed", "resume-b", R"({"n":2})");
  uint64_t vc = put("feed", "resume-c", R"({"n":3})");
  ws_client ws(cluster_->notifier_port(1));  // the other notifier
  subscribe(ws, R"({"op":"subscribe","id":"again","table":"feed","prefix":"resume-","from":")" + token + "\"}");
  std::map<std::string, uint64_t> got;
  for (int i = 0; i < 2; ++i) {
    auto e = next_event(ws);
    ASSERT_TRUE(e.IsObject()) << "missing event " << i;
    got[e["hash_key"].GetString()] = e["version"].GetUint64();
  }
  EXPECT_EQ(got, (std::map<std::string, uint64_t>{{"resume-b", vb}, {"resume-c", vc}}));
  // And then live events keep coming on the same subscription.
  uint64_t vd = put("feed", "resume-d", R"({"n":4})");
  auto e = next_event(ws);
  ASSERT_TRUE(e.IsObject());
  EXPECT_EQ(e["version"].GetUint64(), vd);
  EXPECT_FALSE(ws.read(300ms)) << "nothing else (resume-a is before the token)";
}

TEST_F(notifier_suite, expiry_and_rollback_are_events) {
  ws_client ws(cluster_->notifier_port(0));
  subscribe(ws, R"({"op":"subscribe","id":"x","table":"feed","prefix":"tl-","events":["expired","rollback","update"]})");
  put("feed", "tl-short", R"({"a":1})", "?ttl=1");  // create: not asked for
  auto ex = next_event(ws, 30s);
  ASSERT_TRUE(ex.IsObject()) << "no expired event";
  EXPECT_STREQ(ex["kind"].GetString(), "expired");
  EXPECT_STREQ(ex["hash_key"].GetString(), "tl-short");

  uint64_t v1 = put("feed", "tl-rb", R"({"a":1})");
  put("feed", "tl-rb", R"({"a":2})");
  auto up = next_event(ws);
  ASSERT_TRUE(up.IsObject());
  EXPECT_STREQ(up["kind"].GetString(), "update");
  unsigned p = keys::partition_of("tl-rb");
  auto rb = c().post("/v1/tables/feed/partitions/" + std::to_string(p) + "/rollback",
                     R"({"to_version":)" + std::to_string(v1) + "}");
  ASSERT_EQ(rb.status, 200u) << rb.body;
  auto e = next_event(ws);
  ASSERT_TRUE(e.IsObject()) << "no rollback event";
  EXPECT_STREQ(e["kind"].GetString(), "rollback");
  EXPECT_EQ(e["partition"].GetUint(), p);
  EXPECT_EQ(e["to_version"].GetUint64(), v1);
}

TEST_F(notifier_suite, bad_frames_get_typed_errors) {
  ws_client ws(cluster_->notifier_port(0));
  auto code_of = [&](const std::string& frame) -> std::string {
    EXPECT_TRUE(ws.send(frame));
    auto d = ws.read_json(10s);
    if (!d.IsObject() || std::string(d["op"].GetString()) != "error") return "no error frame";
    return d["code"].GetString();
  };
  EXPECT_EQ(code_of("{not json"), "malformed");
  EXPECT_EQ(code_of(R"({"op":"dance"})"), "unknown_op");
  EXPECT_EQ(code_of(R"({"op":"subscribe","id":"a","table":"nope"})"), "unknown_table");
  EXPECT_EQ(code_of(R"({"op":"subscribe","id":"a","table":"feed","events":["sneeze"]})"), "bad_request");
  EXPECT_EQ(code_of(R"({"op":"subscribe","id":"a","table":"feed","from":"garbage!"})"), "bad_token");
  EXPECT_EQ(code_of(R"({"op":"unsubscribe","id":"never"})"), "not_subscribed");
  subscribe(ws, R"({"op":"subscribe","id":"d","table":"feed"})");
  EXPECT_EQ(code_of(R"({"op":"subscribe","id":"d","table":"feed"})"), "duplicate_id");
  for (int i = 0; i < 7; ++i) subscribe(ws, R"({"op":"subscribe","id":"m)" + std::to_string(i) + R"(","table":"feed"})");
  EXPECT_EQ(code_of(R"({"op":"subscribe","id":"m9","table":"feed"})"), "too_many_subscriptions");
  ASSERT_TRUE(ws.send(R"({"op":"unsubscribe","id":"d"})"));
  auto u = ws.read_json();
  ASSERT_TRUE(u.IsObject());
  EXPECT_STREQ(u["op"].GetString(), "unsubscribed");
  ASSERT_TRUE(ws.send(R"({"op":"ping"})"));
  auto pong = ws.read_json();
  ASSERT_TRUE(pong.IsObject());
  EXPECT_STREQ(pong["op"].GetString(), "pong");
  // Over the frame limit: an error, then the connection closes.
  EXPECT_EQ(code_of(R"({"op":"publish","channel":"c","data":")" + std::string(5000, 'x') + "\"}"),
            "frame_too_large");
  EXPECT_FALSE(ws.read(5s));
  EXPECT_TRUE(ws.closed());
}

TEST_F(notifier_suite, channels_reach_members_on_every_notifier_and_survive_a_peer_kill) {
  ws_client a(cluster_->notifier_port(0)), b(cluster_->notifier_port(1)), a2(cluster_->notifier_port(0));
  for (auto* ws : {&a, &b, &a2}) {
    ASSERT_TRUE(ws->send(R"({"op":"join","channel":"room"})"));
    auto j = ws->read_json();
    ASSERT_TRUE(j.IsObject());
    EXPECT_STREQ(j["op"].GetString(), "joined");
  }
  // Peers find each other through placement: publish until b hears it.
  bool heard = false;
  for (int i = 0; i < 100 && !heard; ++i) {
    ASSERT_TRUE(a.send(R"({"op":"publish","channel":"room","data":{"hello":)" + std::to_string(i) + "}}"));
    auto m = b.read_json(200ms);
    heard = m.IsObject() && std::string(m["op"].GetString()) == "message";
    if (heard) {
      EXPECT_STREQ(m["channel"].GetString(), "room");
      EXPECT_TRUE(m["data"].HasMember("hello"));
      EXPECT_TRUE(m["from"].IsString());
    }
  }
  ASSERT_TRUE(heard) << "a message published on notifier 1 never reached notifier 2";
  // Presence spans both notifiers.
  while (a.read(100ms)) {
  }
  ASSERT_TRUE(a.send(R"({"op":"members","channel":"room"})"));
  rapidjson::Document m;
  for (int i = 0; i < 200; ++i) {
    m = a.read_json();
    if (m.IsObject() && std::string(m["op"].GetString()) == "members") break;
  }
  ASSERT_TRUE(m.IsObject() && m.HasMember("members"));
  EXPECT_EQ(m["members"].Size(), 3u);

  cluster_->kill9_notifier(1);
  while (a2.read(100ms)) {
  }
  ASSERT_TRUE(a.send(R"({"op":"publish","channel":"room","data":"after"})"));
  rapidjson::Document after;
  for (int i = 0; i < 50; ++i) {
    after = a2.read_json();
    if (after.IsObject() && after["data"].IsString()) break;
  }
  ASSERT_TRUE(after.IsObject());
  EXPECT_STREQ(after["data"].GetString(), "after");
  ASSERT_TRUE(cluster_->start_notifier(1));
}

/// VmRSS of a process, KiB (0 when unreadable).
uint64_t rss_kib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  }
  return 0;
}

// A subscriber that stops reading is cut off with a token it can resume
// from, and the notifier's memory stays bounded by the queue limit.
TEST_F(notifier_suite, a_slow_consumer_is_cut_off_with_a_resumable_token_and_memory_stays_bounded) {
  int pid = cluster_->notifier_pid(0);
  ASSERT_NE(pid, 0);
  uint64_t rss_before = rss_kib(pid);
  ws_client slow(cluster_->notifier_port(0));
  std::string first = subscribe(slow, R"({"op":"subscribe","id":"slow","table":"feed","prefix":"flood-"})");
  // ~8 MB of events to a reader that reads nothing: far past the 256 KiB
  // queue and the socket buffers.
  std::string value(4000, 'v');
  std::set<std::string> written;
  for (int b = 0; b < 80; ++b) {
    std::string body = R"({"ops":[)";
    for (int i = 0; i < 25; ++i) {
      std::string k = "flood-" + std::to_string(b * 25 + i);
      written.insert(k);
      if (i) body += ",";
      body += R"({"op":"put","hash_key":")" + k + R"(","item":{"v":")" + value + R"("}})";
    }
    body += "]}";
    auto r = c().post("/v1/tables/feed/batch", body);
    ASSERT_EQ(r.status, 200u) << r.body;
  }
  uint64_t rss_after = rss_kib(pid);
  EXPECT_LT(rss_after, rss_before + 64 * 1024) << "notifier RSS grew from " << rss_before << " to " << rss_after
                                               << " KiB under a flood to a reader that reads nothing";
  // Now read: events, then the slow_consumer error with its token, then close.
  std::set<std::string> seen;
  std::string token;
  for (;;) {
    auto d = slow.read_json(20s);
    if (!d.IsObject()) break;
    std::string op = d["op"].GetString();
    if (op == "event") {
      seen.insert(d["hash_key"].GetString());
      continue;
    }
    ASSERT_EQ(op, "error");
    EXPECT_STREQ(d["code"].GetString(), "slow_consumer");
    ASSERT_TRUE(d.HasMember("token"));
    token = d["token"].GetString();
    break;
  }
  ASSERT_FALSE(token.empty()) << "no slow_consumer error";
  EXPECT_LT(seen.size(), written.size());
  // Resuming from the token delivers the rest: nothing lost.
  ws_client again(cluster_->notifier_port(0));
  subscribe(again, R"({"op":"subscribe","id":"slow2","table":"feed","prefix":"flood-","from":")" + token + "\"}");
  while (seen.size() < written.size()) {
    auto e = next_event(again, 20s);
    if (!e.IsObject()) break;
    seen.insert(e["hash_key"].GetString());
  }
  EXPECT_EQ(seen, written);
}

const std::string hook_secret = "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

// Webhooks against a receiver that fails its first answers and then goes
// down for a while, with the delivering notifier killed midway: every
// event arrives (at least once), signed, with a webhook-id stable across
// retries.
TEST_F(notifier_suite, webhooks_deliver_every_event_through_failures_and_a_notifier_kill) {
  webhook_receiver receiver(3);
  auto put_hook = c().put("/v1/hooks/orders-hook", R"({"url":")" + receiver.url() +
                                                       R"(","table":"feed","prefix":"wh-","events":["create","update"],"secret":")" +
                                                       hook_secret + "\"}");
  ASSERT_EQ(put_hook.status, 201u) << put_hook.body;
  // Delivery starts once a notifier holds the hook: probe until one arrives.
  bool probed = false;
  for (int i = 0; i < 100 && !probed; ++i) {
    put("feed", "wh-probe", R"({"probe":)" + std::to_string(i) + "}");
    std::this_thread::sleep_for(200ms);
    for (auto& r : receiver.received()) probed = probed || r.answered == 204;
  }
  ASSERT_TRUE(probed) << "the hook never delivered";
  auto find_holder = [&]() -> int {
    for (unsigned i = 0; i < cluster_->notifiers(); ++i) {
      if (!cluster_->notifier_running(i)) continue;
      http_client m(cluster_->notifier_port(i));
      auto text = m.get("/metrics").body;
      const std::string metric = "\nropekv_notifier_hook_deliveries_total ";
      auto at = text.find(metric);
      if (at != std::string::npos && std::stoull(text.substr(at + metric.size())) > 0) return static_cast<int>(i);
    }
    return -1;
  };
  int holder = find_holder();
  ASSERT_GE(holder, 0);

  std::map<std::string, uint64_t> acked;  // key -> version
  for (int i = 0; i < 60; ++i) {
    std::string k = "wh-" + std::to_string(i);
    acked[k] = put("feed", k, R"({"i":)" + std::to_string(i) + "}");
    if (i == 15) receiver.go_down();
    if (i == 30) receiver.come_back();
    if (i == 40) cluster_->kill9_notifier(static_cast<unsigned>(holder));
  }
  auto delivered = [&] {
    std::map<std::string, uint64_t> got;
    for (auto& r : receiver.received()) {
      if (r.answered != 204) continue;
      rapidjson::Document d;
      d.Parse(r.body.c_str());
      if (!d.IsObject() || !d.HasMember("hash_key")) continue;
      std::string k = d["hash_key"].GetString();
      if (acked.count(k) && d["version"].GetUint64() == acked[k]) got[k] = acked[k];
    }
    return got;
  };
  for (int i = 0; i < 300 && delivered().size() < acked.size(); ++i) std::this_thread::sleep_for(100ms);
  EXPECT_EQ(delivered(), acked) << "events lost";

  auto key = webhook::secret::parse(hook_secret);
  ASSERT_TRUE(key.ok());
  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  for (auto& r : receiver.received()) {
    ASSERT_TRUE(r.headers.count("webhook-id") && r.headers.count("webhook-timestamp") &&
                r.headers.count("webhook-signature"));
    EXPECT_TRUE(webhook::verify(r.headers["webhook-signature"], r.headers["webhook-id"],
                                r.headers["webhook-timestamp"], r.body, *key, now_s))
        << "bad signature on " << r.headers["webhook-id"];
  }
  auto failed_first = receiver.received().front();
  EXPECT_EQ(failed_first.answered, 500u);
  // The retries of the first (failed) delivery carried the same id.
  size_t tries = 0;
  for (auto& r : receiver.received()) tries += r.headers["webhook-id"] == failed_first.headers["webhook-id"];
  EXPECT_GE(tries, 4u);

  auto state = c().get("/v1/hooks/orders-hook");
  ASSERT_EQ(state.status, 200u);
  auto j = state.json();
  EXPECT_FALSE(j.HasMember("secret"));
  // Held by the surviving notifier, which reports from its takeover on.
  EXPECT_NE(j["state"]["notifier"].GetUint64(), 0u);
  EXPECT_FALSE(j["state"]["failing"].GetBool());
  ASSERT_TRUE(cluster_->start_notifier(static_cast<unsigned>(holder)));
  EXPECT_EQ(c().del("/v1/hooks/orders-hook").status, 200u);
}

}  // namespace
}  // namespace ropekv::integration
