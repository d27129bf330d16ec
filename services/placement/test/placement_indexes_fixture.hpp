#pragma once
// placement_state with two tables ("users", "orders") and one owner, for
// the index and indexer tests: driven without CAF, time passed in (now_).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "placement_state.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::placement_service {

class placement_indexes_fixture : public ::testing::Test {
 protected:
  static uint32_t code(errc c) { return static_cast<uint32_t>(c); }

  static pb::IndexSpec index_spec(const std::string& name, const std::string& table = "users",
                                  const std::string& attribute = "email") {
    pb::IndexSpec s;
    s.set_table(table);
    s.set_name(name);
    s.set_attribute(attribute);
    return s;
  }

  void SetUp() override {
    spdlog::set_level(spdlog::level::warn);
    opt_.segments_per_table = 2;
    opt_.indexer_timeout = std::chrono::seconds(3);
    opt_.index_replicas = 2;
    opt_.index_progress_interval = std::chrono::seconds(1);
    open();
    pb::RegisterNode node;
    node.mutable_node()->set_address("127.0.0.1:7001");
    ASSERT_EQ(state_->register_node(node, now_).status().error_code(), 0u);
    create_table("users");
    create_table("orders");
    (void)state_->take_effects();
  }

  void create_table(const std::string& name) {
    pb::CreateTableRequest t;
    t.mutable_schema()->set_name(name);
    t.mutable_schema()->set_hash_key("pk");
    t.mutable_schema()->set_replication(1);
    ASSERT_EQ(state_->create_table(t).status().error_code(), 0u);
  }

  void open() {
    state_.reset();
    auto st = placement_state::open(dir_.file("placement.db"), opt_, now_);
    ASSERT_TRUE(st) << st.error().message;
    state_ = std::move(*st);
  }

  uint64_t add_indexer(uint64_t id = 0, const std::string& address = "127.0.0.1:8500") {
    pb::RegisterIndexer req;
    req.mutable_indexer()->set_id(id);
    req.mutable_indexer()->set_address(address);
    auto reply = state_->register_indexer(req, now_);
    EXPECT_EQ(reply.status().error_code(), 0u) << reply.status().message();
    return reply.indexer_id();
  }

  pb::IndexReply put(const pb::IndexSpec& spec, int64_t wall_ms = 1234) {
    pb::PutIndexRequest req;
    *req.mutable_spec() = spec;
    return state_->put_index(req, wall_ms, now_);
  }

  uint32_t put_ok(const std::string& name, const std::string& table = "users") {
    auto r = put(index_spec(name, table));
    EXPECT_EQ(r.status().error_code(), 0u) << r.status().message();
    return r.index().id();
  }

  pb::Status beat(uint64_t indexer, std::vector<pb::IndexReport> reports = {}, int64_t wall_ms = 5000) {
    pb::IndexerHeartbeat hb;
    hb.set_indexer_id(indexer);
    for (auto& r : reports) *hb.add_indexes() = r;
    return state_->indexer_heartbeat(hb, wall_ms, now_);
  }

  static pb::IndexReport report(uint32_t index, pb::IndexReplicaPhase phase, uint64_t done = 0) {
    pb::IndexReport r;
    r.set_index_id(index);
    r.mutable_state()->set_phase(phase);
    r.mutable_state()->set_items_done(done);
    r.mutable_state()->set_indexer_id(999);  // not the reporter's to set
    return r;
  }

  std::set<uint64_t> holders(uint32_t index) const {
    std::set<uint64_t> out;
    for (const auto& r : state_->indexes().at(index).desc.replicas()) out.insert(r.indexer_id());
    return out;
  }

  const pb::IndexReplicaState& replica(uint32_t index, uint64_t indexer) const {
    for (const auto& r : state_->indexes().at(index).desc.replicas())
      if (r.indexer_id() == indexer) return r;
    ADD_FAILURE() << "indexer " << indexer << " does not hold index " << index;
    return pb::IndexReplicaState::default_instance();
  }

  // index replicas per indexer
  std::map<uint64_t, int> load() const {
    std::map<uint64_t, int> out;
    for (const auto& [id, e] : state_->indexes())
      for (const auto& r : e.desc.replicas()) ++out[r.indexer_id()];
    return out;
  }

  test_support::temp_dir dir_;
  placement_options opt_;
  time_point now_ = time_point{} + std::chrono::hours(1);
  std::unique_ptr<placement_state> state_;
};

}  // namespace ropekv::placement_service
