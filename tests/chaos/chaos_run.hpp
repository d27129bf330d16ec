#pragma once
// chaos_run: one whole chaos run — a cluster in network namespaces, the
// three workloads, a schedule of faults (each kind at least once, repeated
// while time remains), then every fault healed, the time until the cluster
// serves again measured (bounded), the final state read, the history
// checked, and the report written (report.hpp).
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chaos_cluster.hpp"
#include "checkers.hpp"
#include "nemesis.hpp"

namespace ropekv::chaos {

struct run_options {
  unsigned seconds = 0;                 // of faults; 0: one round of every kind
  std::vector<std::string> kinds = all_nemesis_kinds();
  uint64_t seed = 1;
  std::string report_dir;               // "" : <run dir>/chaos-report
  cluster_spec cluster;
  std::chrono::milliseconds fault{5000};  // how long each fault lasts
  std::chrono::milliseconds gap{2500};    // quiet time after each
  std::chrono::seconds heal_bound{60};    // the cluster must serve again within this
  unsigned register_clients = 4, set_clients = 2, bank_clients = 2;
};

struct run_result {
  verdict v;
  std::string run_dir;
  std::string report_dir;
  bool healed = false;
  double heal_seconds = 0;
  std::vector<fault_interval> timeline;
  std::vector<std::string> crashes;  // "owner2: exited by itself ..."
  std::vector<std::string> unsupported;  // fault kinds this machine cannot make
  std::string setup_error;           // the cluster never started (no verdict then)
};

/// Options from the environment: ROPEKV_CHAOS_SECONDS, ROPEKV_CHAOS_NEMESIS,
/// ROPEKV_CHAOS_SEED, ROPEKV_CHAOS_REPORT_DIR, ROPEKV_CHAOS_PLACEMENTS.
run_options options_from_env();

run_result run_chaos(const run_options& options);

}  // namespace ropekv::chaos
