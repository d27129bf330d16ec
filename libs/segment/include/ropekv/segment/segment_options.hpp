#pragma once
// Configuration of one segment replica, and the small value types its API
// uses. No SQLite, no c-raft, no CAF here.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/consensus/stage_observer.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/store/types.hpp"

namespace ropekv::segment {

/// Microseconds on a clock that never goes backwards. Injected so tests
/// (and CAF's testing scheduler) run on virtual time; the leader stamps
/// writes with it, reads use it for TTL visibility, Raft timers run on it.
using clock_fn = std::function<int64_t()>;

/// Where a replica's outbound Raft messages go. `segment_id` of the
/// envelope is the Raft *group* id (see segment_replica); the owner routes
/// it to replica (group, to_node) however it likes.
using envelope_sink = std::function<void(pb::RaftEnvelope envelope)>;

/// How STRONG reads are served. `lease` and `barrier` are linearizable;
/// `unsafe_local` exists so the linearizability test can show that its
/// checker catches a store that skips both.
enum class strong_read_mode : uint8_t {
  barrier,         // leader only, after a Raft read barrier
  lease,           // leader only: at once under a leader lease, else as barrier
  unsafe_local,    // BROKEN on purpose: any replica answers from local state
};

/// Takes chunks a leader froze (docs/backup.md) and stores them in the blob
/// store off the replica's thread. Implemented by the owner (a worker with
/// a bounded on-disk backlog); shared by all replicas of a process, so it
/// must be thread-safe.
class chunk_shipper {
 public:
  struct outcome {
    pb::ChunkRecord record;  // chunk_id set when stored
    bool stored = false;     // uploaded and verified
    std::string error;
  };
  using done_fn = std::function<void(outcome)>;
  virtual ~chunk_shipper() = default;
  /// Queues `bytes` (a chunk described by `record`) for upload. False when
  /// the backlog is full: nothing was taken, the leader freezes later.
  /// `done` runs once, on any thread, after the chunk was stored and
  /// verified (or given up on).
  virtual bool ship(uint64_t group, std::string bytes, pb::ChunkRecord record, done_fn done) = 0;
};

/// When a leader freezes a chunk: every `interval_us` if rows were written
/// since the last one, or as soon as `min_rows` are new; at most `max_rows`
/// rows per chunk. No shipper: no chunks.
struct chunk_options {
  std::shared_ptr<chunk_shipper> shipper;
  int64_t interval_us = 30'000'000;
  size_t min_rows = 8192;
  size_t max_rows = 65536;
};

struct segment_options {
  node_id self;
  std::string address;        // this node's address in the Raft configuration
  clock_fn clock;             // required
  envelope_sink send;         // required
  /// Directory for the files split() creates; empty: the directory of the
  /// replica's own file.
  std::string data_dir;

  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 1024;
  unsigned snapshot_trailing = 128;
  uint64_t seed = 1;          // randomised election timeouts
  /// fsync the Raft log on every commit (off in tests that only simulate
  /// process crashes, where data reaches the file anyway).
  bool durable_log = true;
  store::store_options store;

  /// TTL sweep on the leader: how often, and how many expired items one
  /// sweep proposes at most.
  int64_t sweep_interval_us = 1'000'000;
  size_t sweep_limit = 256;

  /// Chunks of history shipped to a blob store (docs/backup.md).
  chunk_options chunks;

  strong_read_mode strong_reads = strong_read_mode::lease;
  /// Where the replica's time goes (consensus::replica_stage); may be empty.
  consensus::stage_observer observe;
};

/// Raft role of a member, mirroring consensus::member_role.
enum class member_role : uint8_t { voter = 0, standby = 1, spare = 2 };

struct member_info {
  node_id id;
  std::string address;
  member_role role = member_role::voter;
  friend bool operator==(const member_info&, const member_info&) = default;
};

}  // namespace ropekv::segment
