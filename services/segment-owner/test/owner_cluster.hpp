#pragma once
// owner_cluster: a real cluster on loopback for integration tests — one
// ropekv-placement and N ropekv-segment-owner processes (racks r1..rN),
// each on port 0 with its own temp data dir, stderr to a log file there.
// Every process is stopped by PID when the cluster goes (child_process's
// destructor), also when a test fails; the logs' tails are printed then.
#include <caf/all.hpp>

#include <memory>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/test_support/child_process.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::segment_owner::testing {

class owner_cluster {
 public:
  /// `down_after`: placement's --down-after (how long before it repairs
  /// around a silent owner).
  explicit owner_cluster(unsigned owners, std::string down_after = "120s");
  ~owner_cluster();

  /// Placement first, then every owner. False if one did not say where it listens.
  bool start();
  bool start_placement();
  /// SIGTERM; the exit code (0: clean).
  int stop_placement();
  /// (Re)starts owner i on its data dir; false if it printed no address.
  bool start_owner(unsigned i);
  int stop_owner(unsigned i);
  /// kill -9: no chance to close anything.
  void kill_owner(unsigned i);

  /// Placement's answers; nullopt when it does not answer (down).
  std::optional<pb::ClusterReply> cluster();
  std::optional<pb::TableReply> create_table(const std::string& name, uint32_t replication);
  std::optional<pb::TableReply> drop_table(const std::string& name);
  /// Replica files (SQLite, not sidecars) in owner i's segments/ directory.
  std::vector<std::string> replica_files(unsigned i) const;
  /// The node id owner i registered under (from its node.id), 0 if none.
  uint64_t node_of(unsigned i) const;
  /// Index of the owner registered as `node`, or -1.
  int index_of(uint64_t node) const;
  unsigned size() const { return static_cast<unsigned>(owners_.size()); }

  caf::actor_system& system() { return *sys_; }
  /// The last lines of every process's log (printed when a test failed,
  /// or always with ROPEKV_TEST_LOGS=<lines> in the environment).
  std::string log_tails(size_t lines) const;
  /// Owner i's whole log (stderr, appended across restarts).
  std::string owner_log(unsigned i) const;

 private:
  struct process {
    std::unique_ptr<test_support::child_process> proc;
    std::string data_dir;
    std::string log;
    uint16_t port = 0;
  };
  bool launch(process& p, const std::vector<std::string>& args);

  test_support::temp_dir dir_;
  std::string down_after_;
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  process placement_;
  net::placement_actor placement_handle_;
  std::vector<process> owners_;
};

}  // namespace ropekv::segment_owner::testing
