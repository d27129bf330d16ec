#pragma once
// The node model and the placement rule (DESIGN §6).
//
// Segment-owners report labels, capacity and load; the placement service
// keeps one node_info per owner and passes a snapshot of them to the pure
// functions of this library. Nothing here is mutated by the library: every
// function takes its inputs by const reference and returns its decision.
//
// Labels are hierarchical: a rack name is scoped by its dc and a host name
// by its rack, so "r1" in dc "a" and "r1" in dc "b" are different racks.
// An empty label is a value like any other (all unlabelled nodes share one
// rack), which errs on the side of reporting a segment as under-protected.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::placement {

struct node_labels {
  std::string dc;
  std::string rack;
  std::string host;
  std::string numa;  // NUMA node (or any sub-host slot) on that host
};

/// Load as last reported by the owner (plus placement's own bookkeeping).
struct node_load {
  uint64_t bytes = 0;
  double reads_per_s = 0;
  double writes_per_s = 0;
  uint32_t replicas = 0;
  uint32_t leaders = 0;
};

struct node_info {
  node_id id;
  node_labels labels;
  uint64_t capacity_bytes = 0;  // 0 = unknown: all nodes then weigh the same
  bool alive = true;            // false once gone longer than down_after
  bool draining = false;        // leaving: keeps serving, takes nothing new
  node_load load;
  uint32_t moves_in_flight = 0;  // placement's count of unfinished moves
};

/// The label level at which the replicas of one segment must differ.
enum class failure_domain : uint8_t { host, rack, dc };

/// What to do when there are fewer failure domains than replicas.
enum class shortage_policy : uint8_t {
  /// Never two replicas in one domain: place fewer replicas (default).
  fewer_replicas,
  /// Fill the missing replicas in domains already used, spreading them as
  /// evenly as possible, still never two on one host+numa. Meant for small
  /// or single-machine clusters that prefer more copies to strict spread.
  share_domains,
};

struct placement_rule {
  failure_domain level = failure_domain::rack;
  shortage_policy on_shortage = shortage_policy::fewer_replicas;
};

/// Replication factors a table may declare (DESIGN §2).
constexpr bool valid_replication(uint32_t replication) noexcept {
  return replication == 1 || replication == 3 || replication == 5;
}

/// errc::invalid_argument unless replication is 1, 3 or 5.
status check_replication(uint32_t replication);

/// Identity of the node's domain at `level`, as an opaque byte string; equal
/// strings mean the same domain. Built from the label path (dc, rack, host).
std::string domain_key(const node_info& node, failure_domain level);

/// Identity of the node's host+numa slot; two replicas never share one.
std::string slot_key(const node_info& node);

std::string_view to_string(failure_domain level) noexcept;

/// May receive new replicas.
inline bool accepts_replicas(const node_info& node) noexcept {
  return node.alive && !node.draining;
}

}  // namespace ropekv::placement
