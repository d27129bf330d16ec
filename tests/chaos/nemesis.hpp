#pragma once
// nemesis: the faults of a chaos run, one at a time, each healed before
// the next, every one noted in a timeline (kind, what exactly, start, end;
// the same clock as the history).
//
// Kinds (names as scripts/chaos --nemesis takes them):
//   partition-majority  one owner and one router cut off from the rest (both ways)
//   partition-leader    the owner leading most segments cut off from everyone
//   partition-bridge    two halves that only one owner (the bridge) sees both of
//   partition-oneway    one owner receives nothing from the other owners (it still sends)
//   netem               delay 60±40 ms, 3% loss, 2% duplicates, reordering on every owner
//   kill                kill -9 of one owner (or a router, or a placement), restarted after
//   pause               SIGSTOP of the leading owner, SIGCONT after
//   disk                one owner's data filesystem filled to the last byte, then freed
//   clock               one owner's wall clock +90 s, then -90 s, then back
//   corrupt             one owner stopped, bytes flipped in one of its SQLite files, restarted
// "partition" selects the four partition kinds.
// Driven from one thread; the workload threads run meanwhile.
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "chaos_cluster.hpp"
#include "history_log.hpp"
#include "netns_fabric.hpp"

namespace ropekv::chaos {

struct fault_interval {
  std::string kind;
  std::string detail;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

/// Every kind, in the default order.
std::vector<std::string> all_nemesis_kinds();
/// "partition,kill" -> the kinds (partition expands); throws on an unknown one.
std::vector<std::string> parse_nemesis_kinds(const std::string& list);

class nemesis {
 public:
  nemesis(chaos_cluster& cluster, netns_fabric& net, const history_log& clock, uint64_t seed);

  /// Applies `kind` for `active`, then heals it. Errors of the tools throw.
  void run(const std::string& kind, std::chrono::milliseconds active);
  /// Everything back: network healed, processes continued / restarted,
  /// clocks reset, filler files removed.
  void heal_all();

  const std::vector<fault_interval>& timeline() const noexcept { return timeline_; }
  /// The owner leading most segments (by /v1/cluster's leader hints), or a random one.
  unsigned leading_owner();

 private:
  void partition(const std::vector<std::vector<unsigned>>& sides, const std::vector<unsigned>& everyone_sees);
  void fill_disk(chaos_cluster::member& owner);
  void corrupt(chaos_cluster::member& owner, std::string& detail);
  std::vector<unsigned> nodes_of(role r) const;

  chaos_cluster& cluster_;
  netns_fabric& net_;
  const history_log& clock_;
  std::mt19937_64 rng_;
  std::vector<fault_interval> timeline_;
};

}  // namespace ropekv::chaos
