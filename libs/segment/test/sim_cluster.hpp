#pragma once
// Test harness: N nodes, each hosting segment replicas (one per Raft group)
// over one in_memory_network, in one thread, on virtual time (1 ms per
// step). Envelopes are routed to (group, node) the way a segment-owner
// would. Files are real SQLite files, so crash + restart reopens them.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/consensus/in_memory_network.hpp"
#include "ropekv/segment/segment_replica.hpp"
#include "temp_dir.hpp"

namespace ropekv::segment::test {

struct sim_options {
  unsigned nodes = 3;
  uint64_t seed = 1;
  consensus::network_faults faults{0.0, 1, 1};
  unsigned election_timeout_ms = 300;
  unsigned heartbeat_timeout_ms = 30;
  unsigned snapshot_threshold = 1024;
  unsigned snapshot_trailing = 128;
  strong_read_mode strong_reads = strong_read_mode::barrier;
  int64_t sweep_interval_us = 1'000'000;
  int64_t start_us = 1'700'000'000'000'000;  // virtual wall clock at step 0
  chunk_options chunks;                      // every node's (no shipper: no chunks)
};

class sim_cluster {
 public:
  explicit sim_cluster(const sim_options& o = {});
  ~sim_cluster();

  node_id id(unsigned i) const { return node_id{i + 1}; }
  std::string address(unsigned i) const { return "n" + std::to_string(i + 1); }
  unsigned size() const { return static_cast<unsigned>(nodes_.size()); }
  int64_t now_us() const { return o_.start_us + static_cast<int64_t>(now_ms_) * 1000; }
  uint64_t now_ms() const { return now_ms_; }
  consensus::in_memory_network& net() { return net_; }
  std::vector<member_info> members(const std::vector<unsigned>& nodes) const;
  std::vector<unsigned> all() const;

  /// Creates group meta.segment_id on `nodes` (default: all), voters.
  void create_group(const store::segment_meta& meta, std::vector<unsigned> nodes = {});
  /// An empty replica of `group` on node i (before the leader adds it).
  void join_group(unsigned i, uint64_t group);
  /// Adds a node slot (not started) and returns its index.
  unsigned add_node();

  segment_replica* replica(unsigned i, uint64_t group);
  /// The replica on node i whose meta names segment `segment`.
  segment_replica* by_segment(unsigned i, uint64_t segment);
  std::vector<uint64_t> groups(unsigned i) const;
  bool up(unsigned i) const { return nodes_[i]->up; }

  std::optional<unsigned> leader(uint64_t group);
  std::optional<unsigned> wait_leader(uint64_t group, unsigned max_ms = 5000);

  void step(unsigned ms = 1);
  bool run_until(const std::function<bool()>& done, unsigned max_ms);

  /// Power cut: every replica of node i crashes, messages to it are lost.
  void crash(unsigned i);
  /// Reopens every segment file of node i.
  void restart(unsigned i);

  /// Steps until every up replica of the group applied the leader's log.
  bool settle(uint64_t group, unsigned max_ms = 10000);
  /// Digests of the group's up replicas are all equal (and >= 2 of them).
  bool converged(uint64_t group);

  // Synchronous requests: issued on node i, stepped until answered.
  pb::WriteReply write(unsigned i, uint64_t group, const pb::WriteRequest& req, unsigned max_ms = 5000);
  pb::GetReply get(unsigned i, uint64_t group, const pb::GetRequest& req, unsigned max_ms = 5000);
  pb::ItemsReply range(unsigned i, uint64_t group, const pb::RangeRequest& req, unsigned max_ms = 5000);
  pb::ItemsReply scan(unsigned i, uint64_t group, const pb::ScanRequest& req, unsigned max_ms = 5000);
  pb::PartitionReply partition(unsigned i, uint64_t group, const pb::PartitionRequest& req,
                               unsigned max_ms = 5000);
  pb::ChangesReply changes(unsigned i, uint64_t group, const pb::ChangesRequest& req, unsigned max_ms = 5000);
  pb::LocksReply locks(unsigned i, uint64_t group, const pb::LocksRequest& req, unsigned max_ms = 5000);
  pb::AdminReply membership(unsigned i, uint64_t group, const pb::MembershipRequest& req,
                            unsigned max_ms = 10000);
  pb::AdminReply split(unsigned i, uint64_t group, const pb::SplitRequest& req, unsigned max_ms = 5000);

  segment_options options_for(unsigned i);
  std::string file(unsigned i, uint64_t segment) const;

 private:
  struct node {
    std::string dir;
    std::unique_ptr<consensus::transport> ep;
    std::map<uint64_t, std::unique_ptr<segment_replica>> groups;
    bool up = false;
    unsigned incarnation = 0;
  };

  template <class Reply, class Issue>
  Reply call(unsigned i, uint64_t group, Issue issue, unsigned max_ms);
  void attach(unsigned i);
  void adopt(unsigned i, std::unique_ptr<segment_replica> r);

  sim_options o_;
  temp_dir dir_;
  consensus::in_memory_network net_;
  std::vector<std::unique_ptr<node>> nodes_;
  uint64_t now_ms_ = 0;
};

// ------------------------------------------------------- request builders

inline constexpr uint32_t table = 7;

pb::WriteRequest put_req(const std::string& hk, const std::string& value, const std::string& rk = {});
pb::WriteRequest put_cond(const std::string& hk, const std::string& value, pb::Condition cond,
                          uint64_t expected_version = 0);
pb::WriteRequest del_req(const std::string& hk, pb::Condition cond = pb::COND_NONE, const std::string& rk = {});
pb::GetRequest get_req(const std::string& hk, pb::Consistency c = pb::STRONG, const std::string& rk = {});
std::string key_of(const std::string& hk, const std::string& rk = {});
errc code(const pb::Status& s);

}  // namespace ropekv::segment::test
