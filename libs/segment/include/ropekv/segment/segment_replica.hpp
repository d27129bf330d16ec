#pragma once
// One replica of one segment (DESIGN §4–5): a segment_store in its own
// SQLite file, the Raft member (consensus::replica) whose log lives in the
// same file, and the segment's meta (id, [start, end), epoch). Requests are
// handled as pure logic with callbacks; whoever owns the replica (a CAF
// actor, a test loop) calls poll() and routes Raft envelopes to receive().
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/proto/backup.pb.h"
#include "ropekv/proto/service.pb.h"
#include "ropekv/segment/segment_options.hpp"
#include "ropekv/store/types.hpp"

namespace ropekv::consensus {
class replica;
}
namespace ropekv::store {
class segment_store;
}

namespace ropekv::segment {

namespace detail {
struct replica_state;
}

/// Owns: the store, the Raft member and its SQLite log connection, the
/// transport that wraps outbound Raft messages into envelopes, the state
/// machine that applies committed mutations (and splits), every request in
/// flight, and the right halves of splits until the owner takes them.
///
/// Who touches it: exactly one thread at a time (the segment actor, which
/// runs detached because SQLite blocks; or a test loop). Not thread-safe.
///
/// Identity. A replica belongs to a Raft *group*, named by the id of the
/// segment that created it; Raft envelopes carry the group id. A split
/// gives the left half a new segment id but it keeps the group (and its
/// log), so group() and meta().segment_id differ after a split.
///
/// Callbacks: each request's callback runs exactly once — inline for
/// answers known at once (errors, EVENTUAL reads), otherwise from a later
/// poll() or from close(). Callbacks may call back into the replica.
///
/// Invariants:
///  1. Only committed log entries change the store, in log order, and the
///     store's applied index survives restarts with the data.
///  2. A write is acknowledged ok only after it was applied here, by the
///     leader that proposed it, in the term it proposed it in.
///  3. STRONG reads are answered on the leader only: under a leader lease
///     valid when the read arrived (lease mode), else after a read barrier
///     issued after the read arrived has completed.
///  4. A split applies at the same log index on every replica.
class segment_replica {
 public:
  using write_callback = std::function<void(pb::WriteReply)>;
  using get_callback = std::function<void(pb::GetReply)>;
  using items_callback = std::function<void(pb::ItemsReply)>;
  using partition_callback = std::function<void(pb::PartitionReply)>;
  using locks_callback = std::function<void(pb::LocksReply)>;
  using changes_callback = std::function<void(pb::ChangesReply)>;
  using admin_callback = std::function<void(pb::AdminReply)>;
  using manifest_callback = std::function<void(pb::ManifestReply)>;

  /// Starts a new group. Every initial member calls create() with the same
  /// meta and members (the group's first state is identical everywhere).
  /// The group id is meta.segment_id. `path` must not exist.
  static result<std::unique_ptr<segment_replica>> create(const std::string& path,
                                                         const segment_options& options,
                                                         const store::segment_meta& meta,
                                                         const std::vector<member_info>& members);

  /// An empty replica of an existing group, to be added by the leader with
  /// a MembershipRequest ADD_NONVOTER; it receives the state as a snapshot.
  static result<std::unique_ptr<segment_replica>> join(const std::string& path,
                                                       const segment_options& options,
                                                       segment_id group);

  /// Reopens a replica from its file after a restart. Also finishes (or
  /// discards) a split interrupted by a crash: a right half it completes is
  /// handed over through take_split_children().
  static result<std::unique_ptr<segment_replica>> open(const std::string& path,
                                                       const segment_options& options);

  ~segment_replica();
  segment_replica(const segment_replica&) = delete;
  segment_replica& operator=(const segment_replica&) = delete;

  // -------------------------------------------------------- requests

  /// Put, delete or rollback. The leader stamps timestamp_us; the reply
  /// carries the MutationResult once applied. Status codes: not_leader
  /// (with leader_hint; nothing was proposed), wrong_segment,
  /// condition_failed, unavailable (outcome unknown: it may still apply).
  void write(const pb::WriteRequest& request, write_callback cb);
  void get(const pb::GetRequest& request, get_callback cb);
  void range(const pb::RangeRequest& request, items_callback cb);
  /// A scan, or with snapshot / at_position a scan at a change-feed
  /// position (reply.position: the one read at; see read_requests.cpp):
  /// unavailable when this replica has not applied it yet, version_gone
  /// when compaction dropped what it needs.
  void scan(const pb::ScanRequest& request, items_callback cb);
  void partition(const pb::PartitionRequest& request, partition_callback cb);
  /// Reads answer errc::locked (with the LockInfo) for items a pending
  /// transaction holds; locks() lists the old ones, for resolvers.
  void locks(const pb::LocksRequest& request, locks_callback cb);
  void changes(const pb::ChangesRequest& request, changes_callback cb);

  /// Add as non-voter, promote, remove, leader transfer (leader only).
  void membership(const pb::MembershipRequest& request, admin_callback cb);
  /// Proposes a split through the log (leader only); the reply comes once
  /// the split applied here. The right half shows up in
  /// take_split_children() on every replica.
  void split(const pb::SplitRequest& request, admin_callback cb);

  /// The segment's chunk manifest (docs/backup.md). With seal (leader
  /// only): once every row up to the last position at arrival is in
  /// recorded chunks; unavailable after wait_ms (blob store down, or no
  /// blob store configured).
  void manifest(const pb::ManifestRequest& request, manifest_callback cb);

  // --------------------------------------------------------- driving

  /// A Raft message for this group (envelope.segment_id == group()).
  void receive(const pb::RaftEnvelope& envelope);
  /// Does all pending work at the injected clock's time: Raft timers, disk,
  /// applying, read barriers, the TTL sweep. True if anything happened
  /// (a driver may poll again at once).
  bool poll();
  /// Right halves of splits applied (or recovered) since the last call,
  /// already started. The owner must route their envelopes and poll them.
  std::vector<std::unique_ptr<segment_replica>> take_split_children();

  /// Graceful stop: flushes the log; pending requests fail with
  /// unavailable. Idempotent; the destructor closes.
  void close();
  /// As close(), but unflushed log writes are lost (a power cut).
  void crash();
  bool closed() const;
  /// The state machine hit an I/O error; reopen the replica from its file.
  bool failed() const;
  /// Why failed() is true (errc::insufficient_storage for a full disk).
  error failure() const;

  // ----------------------------------------------------------- state

  segment_id group() const;
  node_id self() const;
  store::segment_meta meta() const;
  /// Meta, members and leader hint as this replica sees them.
  pb::SegmentDescriptor describe() const;
  bool is_leader() const;
  /// Node believed to lead (node_id{0}: unknown).
  node_id leader_hint() const;
  std::vector<member_info> members() const;
  uint64_t applied_index() const;
  result<uint64_t> digest();
  const std::string& path() const;

  struct counters {
    uint64_t read_barriers = 0;      // barriers issued for STRONG reads
    uint64_t strong_reads = 0;       // STRONG reads answered after a barrier
    uint64_t lease_reads = 0;        // STRONG reads answered under a leader lease
    uint64_t sweep_proposals = 0;    // Expire mutations proposed
    uint64_t splits_applied = 0;
    uint64_t missed_splits = 0;      // snapshots that skipped over a split (see split_executor)
    uint64_t chunks_shipped = 0;     // chunks handed to the shipper
    uint64_t chunks_recorded = 0;    // chunk records this leader got applied
    uint64_t chunks_refused = 0;     // records that did not continue the manifest, or lost
    uint64_t chunk_backlog_full = 0; // freezes the shipper had no room for
  };
  counters stats() const;

  /// For tests and diagnostics only.
  store::segment_store& store();
  consensus::replica& raft();

 private:
  explicit segment_replica(std::unique_ptr<detail::replica_state> state);
  static result<std::unique_ptr<segment_replica>> start(const std::string& path,
                                                        const segment_options& options);
  std::unique_ptr<detail::replica_state> s_;
};

}  // namespace ropekv::segment
