#pragma once
// Deterministic simulation for the linearizability tests: 3 segment
// replicas over in_memory_network with dropped and delayed messages,
// crashes/restarts and partitions; simulated clients issue get / put /
// delete / conditional puts on a handful of keys and record a history on
// the virtual clock. Same seed, same run.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/linearizability/history.hpp"
#include "ropekv/segment/segment_options.hpp"

namespace ropekv::segment::test {

struct lin_sim_options {
  uint64_t seed = 1;
  strong_read_mode strong_reads = strong_read_mode::barrier;
  unsigned clients = 4;
  unsigned keys = 4;
  unsigned ops_per_client = 120;
  unsigned op_timeout_ms = 800;   // then the outcome is recorded as unknown
  bool crashes = true;
  bool partitions = true;
};

struct lin_sim_result {
  std::vector<lin::operation> history;
  size_t completed = 0;
  size_t unknown = 0;
  size_t crashes = 0;
  size_t lease_reads = 0;  // STRONG reads answered under a leader lease
  uint64_t virtual_ms = 0;
  bool converged = false;  // after healing: equal digests on every replica
  std::string diagnosis;   // per-replica state when not converged
};

lin_sim_result run_lin_sim(const lin_sim_options& options);

}  // namespace ropekv::segment::test
