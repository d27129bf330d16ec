// The ropekv-dev executable as a real process: placement, three owners, the
// router, the notifier and the indexer in one process on one data directory. It prints its listening
// lines, serves the API, stops cleanly on SIGTERM and keeps its data across
// a restart on the same directory. Stopped by PID even when a check fails
// (child_process's destructor).
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <thread>

#include "ropekv/test_support/child_process.hpp"
#include "http_client.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::dev::test {
namespace {

using namespace std::chrono_literals;
using test_support::child_process;
using router::test::http_client;
using router::test::http_reply;
using test_support::temp_dir;

constexpr auto item_url = "/v1/tables/dev_items/items/k1";

/// Starts ropekv-dev on `data_dir`; the HTTP port from its listening lines
/// (0 when they did not come).
uint16_t launch(std::unique_ptr<child_process>& child, const std::string& data_dir, uint16_t* ws_port = nullptr) {
  child = std::make_unique<child_process>(std::vector<std::string>{
      ROPEKV_DEV_BIN, "--http-port=0", "--ws-port=0", "--data-dir=" + data_dir, "--log-level=warn"});
  auto line = child->read_line(30s);
  EXPECT_TRUE(line) << "no 'listening on' line";
  if (!line) return 0;
  const std::string prefix = "listening on 127.0.0.1:";
  EXPECT_EQ(line->rfind(prefix, 0), 0u) << *line;
  if (line->rfind(prefix, 0) != 0) return 0;
  auto port = line->substr(prefix.size());
  auto banner = child->read_line(5s);
  EXPECT_EQ(banner.value_or(""), "RopeKV router listening on http://127.0.0.1:" + port);
  auto ws = child->read_line(5s);
  const std::string ws_prefix = "RopeKV notifier WebSocket on ws://127.0.0.1:";
  EXPECT_EQ(ws.value_or("").rfind(ws_prefix, 0), 0u) << ws.value_or("");
  if (ws_port && ws && ws->rfind(ws_prefix, 0) == 0) {
    *ws_port = static_cast<uint16_t>(std::stoi(ws->substr(ws_prefix.size())));
  }
  auto indexer = child->read_line(5s);
  EXPECT_EQ(indexer.value_or("").rfind("RopeKV indexer on 127.0.0.1:", 0), 0u) << indexer.value_or("");
  return static_cast<uint16_t>(std::stoi(port));
}

/// Repeats `call` until it answers `status` or 60 s pass (leaders are being
/// elected, the router is learning the rope); the last reply.
template <class Call>
http_reply until_status(unsigned status, Call call) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  http_reply reply = call();
  while (reply.status != status && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    reply = call();
  }
  return reply;
}

TEST(dev_process, serves_the_api_and_keeps_data_across_a_restart) {
  temp_dir tmp;
  const auto data_dir = tmp.file("data");
  std::unique_ptr<child_process> child;
  uint16_t port = launch(child, data_dir);
  ASSERT_NE(port, 0);
  {
    http_client c(port);
    EXPECT_EQ(until_status(200, [&] { return c.get("/readyz"); }).status, 200u);
    auto created = until_status(201, [&] { return c.put("/v1/tables/dev_items", R"({"hash_key":"id"})"); });
    ASSERT_EQ(created.status, 201u) << created.body;
    auto put = until_status(200, [&] { return c.put(item_url, R"({"color":"blue","n":7})"); });
    ASSERT_EQ(put.status, 200u) << put.body;
    auto got = c.get(item_url);
    ASSERT_EQ(got.status, 200u) << got.body;
    EXPECT_STREQ(got.json()["item"]["color"].GetString(), "blue");
  }
  EXPECT_EQ(child->stop(30s), 0) << "no clean exit on SIGTERM";
  EXPECT_TRUE(std::filesystem::exists(data_dir + "/placement/placement.db"));
  for (auto owner : {"owner-1", "owner-2", "owner-3"})
    EXPECT_TRUE(std::filesystem::exists(data_dir + "/" + owner + "/node.id")) << owner;

  port = launch(child, data_dir);
  ASSERT_NE(port, 0);
  http_client c(port);
  auto got = until_status(200, [&] { return c.get(item_url); });
  ASSERT_EQ(got.status, 200u) << got.body;
  EXPECT_STREQ(got.json()["item"]["color"].GetString(), "blue");
  EXPECT_EQ(got.json()["item"]["n"].GetInt(), 7);
  auto tables = c.get("/v1/tables");
  ASSERT_EQ(tables.status, 200u);
  EXPECT_EQ(tables.json()["tables"].Size(), 1u) << tables.body;
  EXPECT_EQ(child->stop(30s), 0) << "no clean exit on SIGTERM after the restart";
}

// The embedded notifier: a WebSocket subscriber sees a write made through
// the embedded router.
TEST(dev_process, the_embedded_notifier_streams_writes_over_websocket) {
  namespace beast = boost::beast;
  namespace asio = boost::asio;
  temp_dir tmp;
  std::unique_ptr<child_process> child;
  uint16_t ws_port = 0;
  uint16_t port = launch(child, tmp.file("data"), &ws_port);
  ASSERT_NE(port, 0);
  ASSERT_NE(ws_port, 0);
  http_client c(port);
  ASSERT_EQ(until_status(201, [&] { return c.put("/v1/tables/dev_feed", R"({"hash_key":"id"})"); }).status, 201u);
  ASSERT_EQ(until_status(200, [&] { return c.put("/v1/tables/dev_feed/items/warmup", "{}"); }).status, 200u);

  asio::io_context ioc;
  beast::websocket::stream<asio::ip::tcp::socket> ws(ioc);
  asio::ip::tcp::resolver resolver(ioc);
  asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(ws_port)));
  timeval tv{20, 0};  // a read that gets nothing fails the test, never hangs it
  setsockopt(ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ws.handshake("127.0.0.1", "/v1/ws");
  ws.write(asio::buffer(std::string(R"({"op":"subscribe","id":"d","table":"dev_feed"})")));
  beast::flat_buffer buf;
  ws.read(buf);
  EXPECT_NE(beast::buffers_to_string(buf.data()).find(R"("op":"subscribed")"), std::string::npos);
  buf.consume(buf.size());
  ASSERT_EQ(c.put("/v1/tables/dev_feed/items/streamed", R"({"hello":"ws"})").status, 200u);
  // "now" is each segment's position when the subscription starts, read
  // from a replica: the warm-up write may still show up first.
  std::string event;
  for (int i = 0; i < 3 && event.find(R"("hash_key":"streamed")") == std::string::npos; ++i) {
    buf.consume(buf.size());
    ws.read(buf);
    event = beast::buffers_to_string(buf.data());
  }
  EXPECT_NE(event.find(R"("op":"event")"), std::string::npos) << event;
  EXPECT_NE(event.find(R"("hash_key":"streamed")"), std::string::npos) << event;
  EXPECT_NE(event.find(R"("kind":"create")"), std::string::npos) << event;
  beast::error_code ec;
  ws.next_layer().close(ec);
  EXPECT_EQ(child->stop(30s), 0);
}

/// Repeats `call` until `done(reply)` or 60 s pass; the last reply.
template <class Call, class Done>
http_reply until(Call call, Done done) {
  auto deadline = std::chrono::steady_clock::now() + 60s;
  http_reply reply = call();
  while (!done(reply) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    reply = call();
  }
  return reply;
}

size_t item_count(const http_reply& reply) {
  auto d = reply.json();
  return d.IsObject() && d.HasMember("items") && d["items"].IsArray() ? d["items"].Size() : 0;
}

// The embedded indexer: an index defined on a populated table through the
// embedded router backfills, turns active, answers a query, and follows a
// later write.
TEST(dev_process, the_embedded_indexer_builds_and_answers_an_index) {
  temp_dir tmp;
  const auto data_dir = tmp.file("data");
  std::unique_ptr<child_process> child;
  uint16_t port = launch(child, data_dir);
  ASSERT_NE(port, 0);
  http_client c(port);
  ASSERT_EQ(until_status(201, [&] { return c.put("/v1/tables/dev_people", R"({"hash_key":"id"})"); }).status,
            201u);
  for (auto [id, city] : {std::pair{"p1", "Oslo"}, std::pair{"p2", "Lima"}, std::pair{"p3", "Oslo"}}) {
    auto put = until_status(200, [&, id = id, city = city] {
      return c.put(std::string("/v1/tables/dev_people/items/") + id,
                   std::string(R"({"home":{"city":")") + city + R"("}})");
    });
    ASSERT_EQ(put.status, 200u) << put.body;
  }

  auto created = c.put("/v1/tables/dev_people/indexes/by_city", R"({"attribute":"home.city"})");
  ASSERT_EQ(created.status, 201u) << created.body;
  auto active = until([&] { return c.get("/v1/tables/dev_people/indexes/by_city"); }, [](const http_reply& r) {
    auto d = r.json();
    return d.IsObject() && d.HasMember("state") && std::string(d["state"].GetString()) == "active";
  });
  ASSERT_EQ(active.status, 200u) << active.body;
  ASSERT_NE(active.body.find(R"("state":"active")"), std::string::npos) << active.body;

  const std::string oslo = "/v1/tables/dev_people/indexes/by_city/items?eq=Oslo";
  auto found = until([&] { return c.get(oslo); }, [](const http_reply& r) { return item_count(r) == 2; });
  ASSERT_EQ(found.status, 200u) << found.body;
  EXPECT_EQ(item_count(found), 2u) << found.body;
  EXPECT_NE(found.body.find(R"("hash_key":"p1")"), std::string::npos) << found.body;
  EXPECT_NE(found.body.find(R"("hash_key":"p3")"), std::string::npos) << found.body;
  EXPECT_EQ(found.body.find(R"("hash_key":"p2")"), std::string::npos) << found.body;

  // A write after the backfill reaches the index through the feed.
  ASSERT_EQ(c.put("/v1/tables/dev_people/items/p4", R"({"home":{"city":"Oslo"}})").status, 200u);
  auto followed = until([&] { return c.get(oslo); }, [](const http_reply& r) { return item_count(r) == 3; });
  EXPECT_EQ(item_count(followed), 3u) << followed.body;

  EXPECT_EQ(child->stop(30s), 0) << "no clean exit on SIGTERM";
  EXPECT_TRUE(std::filesystem::is_directory(data_dir + "/indexer"));
}

TEST(dev_process, bad_flags_exit_with_code_2) {
  child_process child({ROPEKV_DEV_BIN, "--owners=0"});
  EXPECT_FALSE(child.read_line(10s));
  EXPECT_EQ(child.stop(5s), 2);
}

}  // namespace
}  // namespace ropekv::dev::test
