// Three segment actors in one actor system under CAF's testing scheduler
// (test_coordinator: no threads, virtual time, no sleeps): they elect a
// leader, commit writes, survive the leader being killed.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <memory>
#include <optional>

#include "ropekv/common/errc.hpp"
#include "ropekv/segment/segment_actor.hpp"
#include "temp_dir.hpp"

namespace ropekv::segment::test {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t seg = 5;
constexpr unsigned election_timeout_ms = 300;

caf::actor_system_config& testing_config(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.add_message_types<caf::id_block::ropekv>();
  return cfg;
}

pb::WriteRequest put(const std::string& hk, const std::string& v) {
  pb::WriteRequest req;
  auto* item = req.mutable_mutation()->mutable_put()->mutable_item();
  item->set_table_id(1);
  item->set_hash_key(hk);
  item->set_value(v);
  return req;
}

pb::GetRequest get(const std::string& hk) {
  pb::GetRequest req;
  req.set_table_id(1);
  req.set_hash_key(hk);
  return req;
}

class segment_actors : public ::testing::Test {
 protected:
  segment_actors() : sys(testing_config(cfg)), sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {}

  ~segment_actors() override {
    // Everything still alive keeps the actor system from shutting down:
    // replicas (split halves included, found through the directory) and
    // clients still waiting for a reply.
    for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::kill);
    for (uint64_t g : {seg, uint64_t{6}, uint64_t{7}}) {
      for (uint64_t n = 1; n <= 3; ++n) {
        if (auto h = directory->find(segment_id{g}, node_id{n})) caf::anon_send_exit(*h, caf::exit_reason::kill);
      }
    }
    for (auto& c : clients) caf::anon_send_exit(c, caf::exit_reason::kill);
    sched.run();
  }

  int64_t virtual_us() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(sched.clock().now().time_since_epoch()).count();
  }

  void spawn_all() {
    std::vector<member_info> members;
    for (unsigned i = 0; i < 3; ++i) members.push_back({node_id{i + 1}, "n" + std::to_string(i + 1), member_role::voter});
    for (unsigned i = 0; i < 3; ++i) {
      segment_actor_config c;
      c.mode = segment_actor_config::start_mode::create;
      c.path = dir.sub("n" + std::to_string(i + 1)) + "/segment-5.sqlite";
      c.options.self = node_id{i + 1};
      c.options.address = "n" + std::to_string(i + 1);
      c.options.clock = [this] { return virtual_us(); };
      c.options.election_timeout_ms = election_timeout_ms;
      c.options.heartbeat_timeout_ms = 30;
      c.options.durable_log = false;
      c.options.seed = 11 + i;
      c.meta = store::segment_meta{seg, "", "", 1};
      c.members = members;
      c.directory = directory;
      c.detached = false;  // detached actors do not run under the testing scheduler
      actors.push_back(spawn_segment_actor(sys, std::move(c)));
    }
    sched.run();
  }

  /// Sends `req` from a fresh client actor and runs virtual time (10 ms
  /// steps) until the reply arrives; nullopt if none within max_ms.
  template <class Reply, class Request>
  std::optional<Reply> ask(const segment_replica_actor& target, Request req, unsigned max_ms = 3000) {
    auto out = std::make_shared<std::optional<Reply>>();
    clients.push_back(sys.spawn([target, req, out](caf::event_based_actor* self) {
      self->request(target, caf::infinite, req)
          .then([out](Reply& r) { *out = std::move(r); },
                [out](caf::error&) {
                  Reply r;
                  r.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
                  *out = std::move(r);
                });
    }));
    for (unsigned t = 0; t <= max_ms && !*out; t += 10) {
      sched.run();
      if (*out) break;
      sched.advance_time(10ms);
    }
    sched.run();
    return *out;
  }

  /// Index of the actor that accepts a write, trying each live one.
  std::optional<unsigned> find_leader(const std::vector<bool>& alive, unsigned max_ms) {
    for (unsigned waited = 0; waited <= max_ms; waited += 10) {
      for (unsigned i = 0; i < actors.size(); ++i) {
        if (!alive[i]) continue;
        auto r = ask<pb::WriteReply>(actors[i], put("probe", "p"), 0);
        if (r && r->status().error_code() == 0) return i;
      }
      sched.run();
      sched.advance_time(10ms);
    }
    return std::nullopt;
  }

  temp_dir dir;
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<peer_directory> directory = std::make_shared<peer_directory>();
  std::vector<segment_replica_actor> actors;
  std::vector<caf::actor> clients;
};

TEST_F(segment_actors, elect_commit_and_survive_a_killed_leader) {
  spawn_all();
  std::vector<bool> alive(3, true);
  auto leader = find_leader(alive, 5000);
  ASSERT_TRUE(leader.has_value());

  std::vector<std::string> acked;
  for (int i = 0; i < 20; ++i) {
    std::string hk = "k" + std::to_string(i);
    auto r = ask<pb::WriteReply>(actors[*leader], put(hk, "v" + std::to_string(i)));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status().error_code(), 0u) << r->status().message();
    acked.push_back(hk);
  }
  // A follower redirects with the leader's id.
  unsigned follower = (*leader + 1) % 3;
  auto redirect = ask<pb::WriteReply>(actors[follower], put("x", "y"));
  ASSERT_TRUE(redirect.has_value());
  EXPECT_EQ(static_cast<errc>(redirect->status().error_code()), errc::not_leader);
  EXPECT_EQ(redirect->status().leader_hint(), *leader + 1u);

  caf::anon_send_exit(actors[*leader], caf::exit_reason::kill);
  sched.run();
  alive[*leader] = false;
  int64_t killed_at = virtual_us();
  auto fresh = find_leader(alive, 5000);
  ASSERT_TRUE(fresh.has_value());
  EXPECT_NE(*fresh, *leader);
  RecordProperty("failover_virtual_ms", std::to_string((virtual_us() - killed_at) / 1000));
  // Randomised election timeouts lie in [T, 2T); pre-vote and vote take a
  // few message delays, and the probe loop steps 10 ms at a time.
  EXPECT_LE(virtual_us() - killed_at, int64_t{2} * election_timeout_ms * 1000 + 100'000);

  for (size_t i = 0; i < acked.size(); ++i) {
    auto r = ask<pb::GetReply>(actors[*fresh], get(acked[i]));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status().error_code(), 0u) << acked[i] << ": " << r->status().message();
    EXPECT_EQ(r->item().value(), "v" + std::to_string(i));
  }
}

TEST_F(segment_actors, a_split_spawns_the_right_half_on_every_node) {
  spawn_all();
  std::vector<bool> alive(3, true);
  auto leader = find_leader(alive, 5000);
  ASSERT_TRUE(leader.has_value());
  pb::SplitRequest split;
  split.set_at_key(std::string("\x00\x00\x00\x01\x80", 5));  // table 1, upper half of the partitions
  split.set_left_segment_id(6);
  split.set_right_segment_id(7);
  auto r = ask<pb::AdminReply>(actors[*leader], split);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status().error_code(), 0u) << r->status().message();
  // Each node's right-half actor registers itself; one of them is elected.
  bool all_registered = false;
  for (unsigned t = 0; t < 3000 && !all_registered; t += 10) {
    sched.run();
    sched.advance_time(10ms);
    all_registered = true;
    for (unsigned i = 0; i < 3; ++i) all_registered = all_registered && directory->find(segment_id{7}, node_id{i + 1});
  }
  ASSERT_TRUE(all_registered);
  pb::ScanRequest scan;
  scan.mutable_routing()->set_segment_id(7);
  scan.mutable_routing()->set_epoch(2);
  bool answered = false;
  for (unsigned t = 0; t < 3000 && !answered; t += 10) {
    for (unsigned i = 0; i < 3 && !answered; ++i) {
      auto handle = caf::actor_cast<segment_replica_actor>(*directory->find(segment_id{7}, node_id{i + 1}));
      auto s = ask<pb::ItemsReply>(handle, scan, 0);
      answered = s && s->status().error_code() == 0;
    }
    sched.advance_time(10ms);
  }
  EXPECT_TRUE(answered);
}

}  // namespace
}  // namespace ropekv::segment::test
