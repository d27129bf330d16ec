#pragma once
// cluster_harness: a whole RopeKV cluster on loopback for end-to-end tests
// through the router's HTTP API — one ropekv-placement, N
// ropekv-segment-owner processes (racks r1..rN, host labels host-1..host-N)
// and one or more ropekv-routers, every one on port 0 (placement keeps its first
// port across restarts: the others were told that address), each with its
// own data dir under one temp dir and stderr in a log file there.
//
// Owns the processes and the temp dir. The destructor stops every child by
// PID (SIGTERM, then SIGKILL after a bound), also when a test failed, and
// prints the logs' tails then (or always with ROPEKV_TEST_LOGS=<lines>).
// Driven from the test's thread only; load threads use their own
// http_client against router_port() (a restarted router gets a new port:
// the test hands it to its threads).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_client.hpp"

namespace ropekv::integration {

struct cluster_options {
  unsigned owners = 3;
  unsigned heartbeat_ms = 300;
  unsigned election_timeout_ms = 600;  // the owners' default
  std::string down_after = "120s";       // placement: repair around a silent owner
  std::string segment_timeout = "1s";    // router: one attempt at a replica (its default)
  std::string request_deadline = "10s";  // router: whole request, retries included
  unsigned notifiers = 0;                // ropekv-notifier processes (start() starts them)
  std::string notifier_args;             // extra flags for every notifier, space-separated
  unsigned indexers = 0;                 // ropekv-indexer processes (start() starts them)
  std::string indexer_args;              // extra flags for every indexer, space-separated
  std::string placement_args;            // extra flags for placement, space-separated
  std::string owner_args;                // extra flags for every owner, space-separated
  unsigned routers = 1;                  // ropekv-router processes (start() starts them all)
  std::string router_args;               // extra flags for every router, space-separated
  /// Owner i's data dir when owner_data_dirs[i] is non-empty (e.g. on a
  /// tmpfs the test mounted); otherwise <dir()>/owner<i+1>. The harness
  /// never deletes these.
  std::vector<std::string> owner_data_dirs;
  /// Placement instances (a Raft group; docs/reliability.md). 1: one
  /// process as before. More: each on a port fixed at construction, every
  /// client given all of them (--placement a:p,b:p,...).
  unsigned placements = 1;
  /// Bearer tokens (docs/security.md). Empty: routers and notifiers run
  /// --insecure (what every test but the auth tests wants). Otherwise they
  /// require tokens, placement creates a cluster-admin token with this
  /// secret at first start (--bootstrap-token), and the harness's own
  /// admin client sends it.
  std::string bootstrap_token;
};

/// One segment as GET /v1/cluster shows it (keys as lower-case hex).
struct segment_view {
  uint64_t id = 0;
  std::string table;
  std::string start_hex;
  std::string end_hex;  // "" = end of the keyspace
  std::vector<uint64_t> replicas;
  uint64_t leader_hint = 0;
};

class cluster_harness {
 public:
  explicit cluster_harness(cluster_options options = {});
  ~cluster_harness();
  cluster_harness(const cluster_harness&) = delete;
  cluster_harness& operator=(const cluster_harness&) = delete;

  /// Placement, the owners (all registered), the routers (/readyz 200).
  ::testing::AssertionResult start(std::chrono::milliseconds bound = std::chrono::seconds(60));

  /// Router i's HTTP port (0 while it is down; a restart picks a new one).
  uint16_t router_port(unsigned i = 0) const { return routers_[i].proc ? routers_[i].port : 0; }
  unsigned routers() const noexcept { return static_cast<unsigned>(routers_.size()); }
  /// Router i: kill -9 / SIGTERM (exit code) / (re)start on a new port and
  /// wait for its /readyz. The harness's own requests (cluster(),
  /// create_table(), ...) go to a running router.
  void kill9_router(unsigned i);
  int stop_router(unsigned i);
  ::testing::AssertionResult start_router(unsigned i,
                                          std::chrono::milliseconds bound = std::chrono::seconds(60));
  bool router_running(unsigned i) const;
  /// Owner i's /healthz, /readyz, /metrics port (it runs with --metrics-port=0).
  uint16_t owner_metrics_port(unsigned i) const { return owners_[i].metrics_port; }
  /// The same for placement and indexer i (also --metrics-port=0).
  uint16_t placement_metrics_port() const { return placement_.metrics_port; }
  uint16_t indexer_metrics_port(unsigned i) const { return indexers_[i].metrics_port; }
  unsigned owners() const noexcept { return static_cast<unsigned>(owners_.size()); }

  /// Owner i: kill -9 / SIGTERM (exit code, 0 = clean) / (re)start on its
  /// data dir on a new port (it registers its new address).
  void kill9_owner(unsigned i);
  int stop_owner(unsigned i);
  ::testing::AssertionResult start_owner(unsigned i);
  bool owner_running(unsigned i) const;
  /// Owner i's PID (for SIGSTOP/SIGCONT), 0 when not running.
  int owner_pid(unsigned i) const;
  /// Owner i's data dir (its replicas' SQLite files are in <it>/segments).
  const std::string& owner_data_dir(unsigned i) const { return owners_[i].data_dir; }
  /// Placement: SIGTERM (exit code) / restart on its data dir and port.
  /// With several instances these act on all of them.
  int stop_placement();
  ::testing::AssertionResult start_placement();

  /// Placement instance i of options.placements (the group members).
  unsigned placements() const noexcept { return options_.placements; }
  ::testing::AssertionResult start_placement(unsigned i);
  void kill9_placement(unsigned i);
  int stop_placement(unsigned i);
  bool placement_running(unsigned i) const;
  /// Deletes instance i's data dir (stop it first): a lost disk.
  void wipe_placement(unsigned i);
  /// The running instance that leads the group (from each log's last
  /// event=placement_group_view line), -1 while none is known.
  int placement_leader() const;
  /// "127.0.0.1:p1,127.0.0.1:p2,...": what every client is given.
  std::string placement_list() const;
  uint16_t placement_port(unsigned i) const;

  /// Notifier i: WebSocket port, kill -9, (re)start on its data dir.
  uint16_t notifier_port(unsigned i) const { return notifiers_[i].port; }
  unsigned notifiers() const noexcept { return static_cast<unsigned>(notifiers_.size()); }
  void kill9_notifier(unsigned i);
  ::testing::AssertionResult start_notifier(unsigned i);
  bool notifier_running(unsigned i) const;
  /// Notifier i's PID (for RSS), 0 when not running.
  int notifier_pid(unsigned i) const;

  /// Indexer i: kill -9, SIGTERM (exit code), (re)start on its data dir.
  unsigned indexers() const noexcept { return static_cast<unsigned>(indexers_.size()); }
  void kill9_indexer(unsigned i);
  int stop_indexer(unsigned i);
  ::testing::AssertionResult start_indexer(unsigned i);
  bool indexer_running(unsigned i) const;
  /// The id indexer i registered under (its data dir's indexer.id), 0 if none.
  uint64_t indexer_id(unsigned i) const;

  /// Node id owner i registered under (its data dir's node.id), 0 if none.
  uint64_t node_of(unsigned i) const;
  /// Index of the owner registered as `node`, -1 if none.
  int index_of(uint64_t node) const;

  /// GET /v1/cluster through the router; nullopt unless 200.
  std::optional<rapidjson::Document> cluster();
  /// Segments of `table` (nullopt when /v1/cluster does not answer).
  std::optional<std::vector<segment_view>> segments(const std::string& table);
  /// Node ids /v1/cluster reports alive.
  std::vector<uint64_t> alive_nodes();

  /// PUT /v1/tables/{name} with `spec`, then wait_writable(name).
  ::testing::AssertionResult create_table(const std::string& name, const std::string& spec,
                                          std::chrono::milliseconds bound = std::chrono::seconds(60));
  /// Every segment of `table` has a live leader hint and takes a write (a
  /// probe key written then deleted, one per segment).
  ::testing::AssertionResult wait_writable(const std::string& table,
                                           std::chrono::milliseconds bound = std::chrono::seconds(60));
  /// Table id from GET /v1/tables/{t}; 0 if unknown.
  uint64_t table_id(const std::string& table);
  /// Lower-case hex of the rope key prefix of `hash_key` in table `id`.
  static std::string rope_hex(uint64_t id, const std::string& hash_key);
  /// A hash key "<stem><n>" whose items live in `s`.
  static std::string key_in(const segment_view& s, uint64_t id, const std::string& stem);

  /// The last `lines` lines of every process's log.
  std::string log_tails(size_t lines) const;
  const std::string& dir() const noexcept { return dir_; }

 private:
  struct process {
    std::string name;
    std::string data_dir;
    std::string log;
    uint16_t port = 0;
    std::unique_ptr<child_process> proc;
    uint16_t metrics_port = 0;  // owners, placement, indexers: /healthz, /readyz, /metrics
  };
  ::testing::AssertionResult launch(process& p, std::vector<std::string> args);
  ::testing::AssertionResult launch_router(unsigned i);
  ::testing::AssertionResult read_metrics_port(process& p);
  /// Points admin_ at a running router other than `not_this` (if any).
  void reconnect_admin(int not_this);

  cluster_options options_;
  std::string dir_;
  process placement_;
  std::vector<process> more_placements_;  // instances 2..N of the group
  process& placement_proc(unsigned i) { return i == 0 ? placement_ : more_placements_[i - 1]; }
  const process& placement_proc(unsigned i) const { return i == 0 ? placement_ : more_placements_[i - 1]; }
  std::vector<process> owners_;
  std::vector<process> routers_;
  int admin_router_ = -1;  // the router admin_ talks to
  std::vector<process> notifiers_;
  std::vector<process> indexers_;
  std::unique_ptr<http_client> admin_;  // the test thread's client
};

}  // namespace ropekv::integration
