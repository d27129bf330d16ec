// The real ropekv-placement process on loopback: start it on port 0 with a
// temp data dir, talk to it over CAF's network layer, SIGTERM it, restart it
// on the same data dir and check that nothing was lost.
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "ropekv/test_support/child_process.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {
namespace {

using namespace std::chrono_literals;
using test_support::child_process;

// Assignments an owner received, from CAF's threads, waited on by the test.
struct owner_inbox {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<pb::SegmentAssignment> assignments;

  bool wait_for(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mtx);
    return cv.wait_for(lock, timeout, [&] { return assignments.size() >= n; });
  }
};

struct placement_process {
  std::unique_ptr<child_process> proc;
  uint16_t port = 0;
};

placement_process start(const std::string& data_dir) {
  placement_process p;
  p.proc = std::make_unique<child_process>(std::vector<std::string>{
      ROPEKV_PLACEMENT_BIN, "--port=0", "--data-dir=" + data_dir, "--down-after=60s"});
  auto line = p.proc->read_line(30s);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line && line->rfind(prefix, 0) == 0)
    p.port = static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
  return p;
}

class placement_process_test : public ::testing::Test {
 protected:
  placement_process_test() {
    cfg_.add_message_types<caf::id_block::ropekv>();
    cfg_.load<caf::io::middleman>();
    sys_ = std::make_unique<caf::actor_system>(cfg_);
  }
  // The actor system waits for every actor before it goes: stop the owners.
  ~placement_process_test() override {
    for (auto& owner : owners_) caf::anon_send_exit(owner, caf::exit_reason::user_shutdown);
  }

  net::placement_actor connect(uint16_t port) {
    auto h = sys_->middleman().remote_actor<net::placement_actor>("127.0.0.1", port);
    EXPECT_TRUE(h) << sys_->render(h.error());
    return h ? *h : net::placement_actor{};
  }

  template <class Reply, class... Ts>
  Reply ask(const net::placement_actor& dst, Ts... xs) {
    caf::scoped_actor self{*sys_};
    Reply out;
    self->request(dst, 10s, xs...).receive([&](Reply& r) { out = std::move(r); },
                                           [&](caf::error& e) { ADD_FAILURE() << sys_->render(e); });
    return out;
  }

  net::owner_control fake_owner(std::shared_ptr<owner_inbox> inbox) {
    return owners_.emplace_back(sys_->spawn([inbox](net::owner_control::pointer)
                                                -> net::owner_control::behavior_type {
      return {
          [inbox](pb::SegmentAssignment& a) {
            std::lock_guard<std::mutex> lock(inbox->mtx);
            inbox->assignments.push_back(a);
            inbox->cv.notify_all();
          },
          [](pb::SegmentDrop&) {},
      };
    }));
  }

  pb::RegisterNode node(const std::string& rack, uint64_t id = 0) {
    pb::RegisterNode req;
    req.mutable_node()->set_id(id);
    req.mutable_node()->set_address("127.0.0.1:" + std::to_string(20000 + rack.back()));
    req.mutable_node()->mutable_labels()->set_dc("dc1");
    req.mutable_node()->mutable_labels()->set_rack(rack);
    req.mutable_node()->mutable_labels()->set_host("host-" + rack);
    return req;
  }

  test_support::temp_dir dir_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::vector<net::owner_control> owners_;
};

TEST_F(placement_process_test, state_survives_a_restart_of_the_process) {
  const std::string data = dir_.file("data");
  auto first = start(data);
  ASSERT_NE(first.port, 0) << "no 'listening on' line from " << ROPEKV_PLACEMENT_BIN;
  auto placement = connect(first.port);
  ASSERT_TRUE(placement);

  std::vector<std::shared_ptr<owner_inbox>> inboxes;
  std::vector<uint64_t> ids;
  for (auto rack : {"r1", "r2", "r3"}) {
    inboxes.push_back(std::make_shared<owner_inbox>());
    auto reply = ask<pb::RegisterReply>(placement, node(rack), fake_owner(inboxes.back()));
    ASSERT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    ids.push_back(reply.node_id());
  }

  pb::CreateTableRequest create;
  create.mutable_schema()->set_name("users");
  create.mutable_schema()->set_hash_key("pk");
  create.mutable_schema()->set_replication(3);
  auto table = ask<pb::TableReply>(placement, create);
  ASSERT_EQ(table.status().error_code(), 0u) << table.status().message();
  EXPECT_EQ(ask<pb::TableReply>(placement, create).status().error_code(),
            static_cast<uint32_t>(errc::already_exists));

  auto before = ask<pb::ClusterReply>(placement, cluster_atom_v);
  EXPECT_EQ(before.nodes_size(), 3);
  EXPECT_EQ(before.alive_nodes_size(), 3);
  ASSERT_GT(before.segments_size(), 0);
  EXPECT_EQ(before.unhealthy_size(), 0);
  // Every owner hosts a replica of every segment (3 racks, replication 3).
  for (auto& inbox : inboxes) {
    EXPECT_TRUE(inbox->wait_for(static_cast<size_t>(before.segments_size()), 10s));
  }
  auto tables_before = ask<pb::TablesReply>(placement, tables_atom_v);

  EXPECT_EQ(first.proc->stop(), 0) << "placement did not exit cleanly on SIGTERM";

  auto second = start(data);
  ASSERT_NE(second.port, 0);
  placement = connect(second.port);
  ASSERT_TRUE(placement);
  auto after = ask<pb::ClusterReply>(placement, cluster_atom_v);
  EXPECT_EQ(after.rope_version(), before.rope_version());
  EXPECT_EQ(after.nodes_size(), 3);
  ASSERT_EQ(after.segments_size(), before.segments_size());
  for (int i = 0; i < after.segments_size(); ++i)
    EXPECT_EQ(after.segments(i).SerializeAsString(), before.segments(i).SerializeAsString());
  EXPECT_EQ(ask<pb::TablesReply>(placement, tables_atom_v).SerializeAsString(),
            tables_before.SerializeAsString());
  auto users = ask<pb::TableReply>(placement, tables_atom_v, std::string("users"));
  EXPECT_EQ(users.schema().id(), table.schema().id());

  // An owner that re-registers keeps its id and is told its replicas again.
  auto inbox = std::make_shared<owner_inbox>();
  auto again = ask<pb::RegisterReply>(placement, node("r1", ids[0]), fake_owner(inbox));
  EXPECT_EQ(again.node_id(), ids[0]);
  EXPECT_TRUE(inbox->wait_for(static_cast<size_t>(after.segments_size()), 10s));

  EXPECT_EQ(second.proc->stop(), 0);
}

}  // namespace
}  // namespace ropekv::placement_service
