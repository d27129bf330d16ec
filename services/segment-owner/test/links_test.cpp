// placement_session and peer_book: when the owner connects, registers,
// heartbeats and reconnects — as state machines over injected time.
#include <gtest/gtest.h>

#include "host_port.hpp"
#include "peer_book.hpp"
#include "placement_session.hpp"

namespace ropekv::segment_owner {
namespace {

using namespace std::chrono_literals;
using phase = placement_session::phase;

TEST(placement_session, registers_keeps_its_id_and_heartbeats_on_schedule) {
  placement_session s(1000ms, 200ms, 5000ms);
  s.set_node(node_id{7});  // from node.id
  time_point t0{};
  ASSERT_TRUE(s.should_connect(t0));
  s.connecting();
  EXPECT_FALSE(s.should_connect(t0));  // one connect at a time
  s.connected();
  ASSERT_TRUE(s.should_register(t0));
  s.registering();
  EXPECT_FALSE(s.should_register(t0));
  EXPECT_EQ(s.node().value, 7u);  // re-registers with the saved id
  s.registered(node_id{7}, t0);
  EXPECT_TRUE(s.should_heartbeat(t0));  // the first one at once
  s.heartbeat_sent(t0);
  EXPECT_FALSE(s.should_heartbeat(t0 + 2000ms));  // still in flight
  s.heartbeat_ok();
  EXPECT_FALSE(s.should_heartbeat(t0 + 999ms));
  EXPECT_TRUE(s.should_heartbeat(t0 + 1000ms));
}

TEST(placement_session, placement_going_down_means_reconnect_and_reregister_same_id) {
  placement_session s(1000ms, 200ms, 5000ms);
  time_point t0{};
  s.connecting();
  s.connected();
  s.registering();
  s.registered(node_id{3}, t0);
  s.lost(t0);
  EXPECT_EQ(s.current(), phase::disconnected);
  EXPECT_FALSE(s.should_connect(t0 + 100ms));  // backoff
  EXPECT_TRUE(s.should_connect(t0 + 200ms));
  s.connecting();
  s.connect_failed(t0 + 200ms);
  EXPECT_FALSE(s.should_connect(t0 + 500ms));  // doubled
  EXPECT_TRUE(s.should_connect(t0 + 600ms));
  EXPECT_EQ(s.node().value, 3u);
}

TEST(placement_session, not_found_asks_for_a_new_id_only_from_register) {
  placement_session s(1000ms, 200ms, 5000ms);
  s.set_node(node_id{9});
  time_point t0{};
  s.connecting();
  s.connected();
  s.registering();
  s.registered(node_id{9}, t0);
  s.heartbeat_sent(t0);
  s.heartbeat_unknown();  // register again, same id first
  EXPECT_EQ(s.current(), phase::unregistered);
  EXPECT_EQ(s.node().value, 9u);
  s.registering();
  s.register_failed(t0, /*unknown_id=*/true);
  EXPECT_EQ(s.node().value, 0u);
}

TEST(peer_book, connects_wanted_peers_once_and_backs_off_after_failures) {
  peer_book b(200ms, 5000ms);
  time_point t0{};
  b.learn(node_id{1}, "127.0.0.1:9001");
  b.learn(node_id{2}, "127.0.0.1:9002");
  std::set<node_id> wanted{node_id{1}, node_id{2}, node_id{3}};  // 3: address unknown yet
  auto due = b.start_due(wanted, t0);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_TRUE(b.start_due(wanted, t0).empty());  // in flight
  EXPECT_TRUE(b.connected(node_id{1}, "127.0.0.1:9001"));
  b.connect_failed(node_id{2}, "127.0.0.1:9002", t0);
  EXPECT_TRUE(b.start_due(wanted, t0 + 100ms).empty());
  ASSERT_EQ(b.start_due(wanted, t0 + 200ms).size(), 1u);
  b.lost(node_id{1}, t0);
  EXPECT_EQ(b.state(node_id{1}), peer_book::phase::idle);
}

TEST(peer_book, a_peer_that_moved_is_reconnected_at_its_new_address) {
  peer_book b(200ms, 5000ms);
  time_point t0{};
  EXPECT_FALSE(b.learn(node_id{1}, "127.0.0.1:9001"));  // first address: nothing stale
  ASSERT_EQ(b.start_due({node_id{1}}, t0).size(), 1u);
  EXPECT_TRUE(b.learn(node_id{1}, "127.0.0.1:9101"));  // restarted on another port
  EXPECT_FALSE(b.connected(node_id{1}, "127.0.0.1:9001"));  // the old connect is discarded
  auto due = b.start_due({node_id{1}}, t0);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].second, "127.0.0.1:9101");
}

TEST(host_port, parses_addresses) {
  auto hp = parse_host_port("127.0.0.1:7000");
  ASSERT_TRUE(hp);
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 7000);
  EXPECT_EQ(parse_host_port("[::1]:80")->host, "::1");
  EXPECT_FALSE(parse_host_port("localhost"));
  EXPECT_FALSE(parse_host_port("h:0"));
  EXPECT_FALSE(parse_host_port("h:70000"));
  EXPECT_FALSE(parse_host_port(":7000"));
}

}  // namespace
}  // namespace ropekv::segment_owner
