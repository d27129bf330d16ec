#pragma once
// kv_client: the smallest router a test needs. It routes a hash key to its
// segment by the cluster view placement returns, sends typed requests to
// the owners' published actors (remote_actor, cached per node), follows
// not_leader hints and tries other replicas on transport errors, all with
// a deadline. One client per thread (it owns a scoped_actor).
#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::segment_owner::testing {

class kv_client {
 public:
  using cluster_fn = std::function<std::optional<pb::ClusterReply>()>;

  kv_client(caf::actor_system& sys, uint32_t table_id, cluster_fn cluster);

  /// Reloads segments and node addresses; keeps the old view if placement
  /// does not answer.
  bool refresh();

  struct outcome {
    bool ok = false;
    pb::Status status;       // the last answer (or transport error as unavailable)
    uint64_t node = 0;       // the node that acknowledged
    uint64_t segment = 0;
    int attempts = 0;
  };
  outcome put(const std::string& hash_key, const std::string& value, std::chrono::milliseconds deadline);
  /// STRONG: from the leader (retrying like put); EVENTUAL with at_node:
  /// from that node's replica only.
  std::optional<pb::GetReply> get(const std::string& hash_key, pb::Consistency consistency,
                                  std::chrono::milliseconds deadline, uint64_t at_node = 0);
  /// The change-feed position a node's replica of `segment` has reached.
  std::optional<uint64_t> last_position(uint64_t segment, uint64_t node);

  const std::vector<pb::SegmentDescriptor>& segments() const { return segments_; }
  const pb::SegmentDescriptor* segment_of(const std::string& hash_key) const;
  /// Segment id -> the node that last acknowledged a write there.
  const std::map<uint64_t, uint64_t>& leaders() const { return leaders_; }
  /// Drops the cached handle of a node (it was killed).
  void forget(uint64_t node) { handles_.erase(node); }

 private:
  template <class Reply, class Request>
  std::optional<Reply> ask(uint64_t node, const Request& req, std::chrono::milliseconds timeout);
  net::segment_actor owner(uint64_t node);
  uint64_t next_replica(const pb::SegmentDescriptor& seg, uint64_t after) const;

  caf::actor_system& sys_;
  caf::scoped_actor self_;
  uint32_t table_id_;
  cluster_fn cluster_;
  std::vector<pb::SegmentDescriptor> segments_;
  std::map<uint64_t, std::string> addresses_;     // node -> host:port
  std::map<uint64_t, net::segment_actor> handles_;
  std::map<uint64_t, uint64_t> leaders_;
  std::chrono::steady_clock::time_point last_refresh_{};
};

}  // namespace ropekv::segment_owner::testing
