#pragma once
// One member of a Raft group: c-raft + sqlite_raft_io + fsm_adapter, with a
// callback API that a CAF actor (or a test loop) drives by calling poll().
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/consensus/fsm_adapter.hpp"
#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/sqlite_raft_io.hpp"
#include "ropekv/consensus/state_machine.hpp"
#include "ropekv/consensus/transport.hpp"

namespace ropekv::consensus {

struct replica_options {
  node_id id;
  std::string address;  // what peers put in the configuration for us
  unsigned election_timeout_ms = 1000;
  unsigned heartbeat_timeout_ms = 100;
  unsigned snapshot_threshold = 1024;  // applied entries between snapshots
  unsigned snapshot_trailing = 128;    // entries kept behind a snapshot
  /// A leader retries an InstallSnapshot only after this long without an
  /// answer (c-raft's default, 30 s; the follower stays behind meanwhile).
  unsigned install_snapshot_timeout_ms = 30000;
  bool pre_vote = true;                // a rejoining node cannot depose a healthy leader
  size_t max_batch = 4096;             // proposals per raft_apply
  io_options io;                       // io.observe also receives the replica's stages
};

enum class member_role { voter, standby, spare };

struct member {
  node_id id;
  std::string address;
  member_role role = member_role::voter;
};

/// Owns the c-raft instance, its io (and through it the SQLite log) and
/// every request in flight. The state machine and transport are borrowed
/// and must outlive the replica.
///
/// Who touches it: exactly one thread (the segment actor, a test loop).
/// Nothing here blocks except SQLite commits inside poll().
///
/// Callback contract: a method returning an error never calls its
/// callback; one returning ok calls it exactly once, always from poll() or
/// close() — never from inside the call that registered it — so callbacks
/// may call back into the replica.
///
/// Proposals: queued by propose(), submitted at the next poll() as ONE
/// raft_apply of many entries; each entry's result is taken from the fsm
/// as it is applied. A result is delivered only while this node is still
/// leader in the term it proposed in; otherwise the proposer gets
/// errc::unavailable ("outcome unknown": the entry may still commit, so the
/// client retries with its request id).
///
/// Pacing: a new batch goes out only once the previous one committed.
/// c-raft 0.15 advances the commit index only when a quorum matches the
/// leader's *last stored* index, so a leader that keeps appending every
/// poll could starve its own commits; one batch in flight, with everything
/// that arrived meanwhile in the next, is both group commit and a cure.
/// On winning an election the leader appends a barrier of its own term, so
/// entries left by earlier terms commit without waiting for a client write.
///
/// Reads: read_barrier() is linearizable. Readers queued between two polls
/// share one raft_barrier; its callback fires once an entry of the current
/// term is committed and everything before it is applied, so local state
/// then reflects every write acknowledged before the read began. (No lease:
/// a barrier costs one log append, batched with proposals; a lease would
/// need bounded clock drift, which we do not assume.)
class replica {
 public:
  using propose_callback = std::function<void(result<std::string>)>;
  using done_callback = std::function<void(status)>;

  /// Creates the replica over `log` (not yet started). `now_ms` seeds the
  /// io clock so timers start from the owner's time.
  static result<std::unique_ptr<replica>> open(const replica_options& options,
                                               std::unique_ptr<sqlite_log> log, transport& net,
                                               state_machine& machine, uint64_t now_ms);
  ~replica();
  replica(const replica&) = delete;
  replica& operator=(const replica&) = delete;

  /// Writes the initial configuration; only on a pristine log, before start().
  status bootstrap(const std::vector<member>& members);
  /// Loads term, vote, snapshot and log, and joins the group.
  status start();

  /// errc::not_leader (message names the leader, see leader()) if this
  /// node cannot accept proposals now.
  status propose(std::string command, propose_callback cb);
  status read_barrier(done_callback cb);
  /// True if a read served from local state now is linearizable without a
  /// barrier: this node leads under a leader lease (leader_lease.hpp;
  /// replica_options::io.lease_ms) valid at `now_ms` (the caller's current
  /// time, not the last poll's), its own-term barrier has applied (so every
  /// write acknowledged by an earlier leader is visible), and no leadership
  /// transfer or configuration change is under way.
  bool lease_valid(uint64_t now_ms) const;

  bool is_leader() const;
  /// Current leader as known here (for not_leader hints).
  std::optional<member> leader() const;
  node_id id() const noexcept { return options_.id; }
  std::vector<member> configuration() const;

  // Membership (leader only; one change at a time, else errc::unavailable).
  /// Adds `id` as a standby: it replicates the log but does not vote.
  status add_nonvoter(node_id id, const std::string& address, done_callback cb);
  /// Makes a standby a voter once it has caught up with the log.
  status promote(node_id id, done_callback cb);
  status remove(node_id id, done_callback cb);
  /// Hands leadership to `to` (node_id{0}: the most up-to-date voter);
  /// the callback gets ok iff `to` (or someone) became leader.
  status transfer_leadership(node_id to, done_callback cb);

  /// An encoded raft message from the transport.
  void receive(node_id from, std::string_view bytes);
  /// Submits queued work and performs the io's pending work at `now_ms`;
  /// true if anything happened (a driver may poll again at once).
  bool poll(uint64_t now_ms);

  /// Stops the replica; queued and pending requests fail with
  /// errc::unavailable. Idempotent.
  void close();
  /// As close(), but writes not yet flushed are lost (a power cut).
  void crash();
  bool closed() const noexcept { return closed_; }
  /// The state machine or the log failed (I/O, a full disk): the replica
  /// closed itself and must be reopened from its file.
  bool failed() const noexcept { return fsm_.failed() || io_->failed(); }
  /// Why failed() is true (errc::insufficient_storage for a full disk).
  error failure() const;

  struct statistics {
    uint64_t term = 0;
    uint64_t commit_index = 0;
    uint64_t last_applied = 0;
    uint64_t last_index = 0;
    uint64_t fsyncs = 0;
    uint64_t flushes = 0;
    uint64_t entries_written = 0;
    uint64_t proposals = 0;
    uint64_t apply_batches = 0;
    uint64_t barriers = 0;
    uint64_t machine_errors = 0;
  };
  statistics stats() const;

  raft* raw() noexcept { return &raft_; }
  sqlite_raft_io& io() noexcept { return *io_; }

 private:
  struct op_base;
  struct apply_op;
  struct barrier_op;
  struct change_op;
  struct transfer_op;
  using time_point = std::chrono::steady_clock::time_point;
  struct pending_entry {
    propose_callback cb;
    uint64_t term = 0;
    time_point submitted;
  };
  struct queued_proposal {
    std::string command;
    propose_callback cb;
    time_point queued;
  };
  void observe(replica_stage stage, time_point since) const;

  replica(const replica_options& options, state_machine& machine);

  static void on_apply(struct raft_apply* req, int status, void* result);
  static void on_barrier(struct raft_barrier* req, int status);
  static void on_change(struct raft_change* req, int status);
  static void on_transfer(struct raft_transfer* req);
  static void on_closed(struct raft* r);

  bool accepting() const;
  bool paced() const;
  void note_inflight(uint64_t last_index);
  void maybe_assert_leadership();
  error not_leader_error() const;
  void on_applied(uint64_t index, std::string& result);
  bool submit_proposals();
  bool submit_reads();
  bool run_chained_changes();
  void fail_pending(const error& err);
  void complete(std::function<void()> fn) { completions_.push_back(std::move(fn)); }
  void run_completions();
  template <class T>
  T* track(std::unique_ptr<T> op);
  void forget(op_base* op);

  replica_options options_;
  std::unique_ptr<sqlite_raft_io> io_;
  fsm_adapter fsm_;
  struct raft raft_ {};
  bool initialized_ = false;
  bool started_ = false;
  bool closed_ = false;

  std::vector<queued_proposal> queued_;
  std::vector<done_callback> queued_reads_;
  std::map<uint64_t, pending_entry> pending_;  // by log index
  uint64_t inflight_until_ = 0;  // last index of our newest uncommitted batch
  uint64_t inflight_term_ = 0;
  uint64_t asserted_term_ = 0;   // term in which we appended our election barrier
  uint64_t term_barrier_index_ = 0;  // that barrier's log index
  uint64_t applied_mark_ = 0;        // c-raft's last_applied at the last flush (apply timing)
  std::vector<change_op*> chained_;            // raft_add done, raft_assign next
  std::vector<std::function<void()>> completions_;
  std::map<op_base*, std::unique_ptr<op_base>> live_;  // C requests c-raft still holds
  statistics counters_;
};

}  // namespace ropekv::consensus
