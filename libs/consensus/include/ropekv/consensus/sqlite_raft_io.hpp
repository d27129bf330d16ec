#pragma once
// c-raft's `struct raft_io`, implemented over sqlite_log (durability) and a
// transport (messages), driven explicitly by its owner instead of libuv.
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/consensus/leader_lease.hpp"
#include "ropekv/consensus/log_term_index.hpp"
#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/raft_message_codec.hpp"
#include "ropekv/consensus/sqlite_log.hpp"
#include "ropekv/consensus/stage_observer.hpp"
#include "ropekv/consensus/transport.hpp"

namespace ropekv::consensus {

struct io_options {
  uint64_t seed = 1;  // drives io->random (randomised election timeouts)
  /// Leader lease length (leader_lease.hpp); 0: no lease. Must be below the
  /// group's election timeout, which every member must share.
  uint64_t lease_ms = 0;
  /// With a lease: RequestVote is ignored this long after start (a
  /// restarted follower forgets its leader). At least the lease length.
  uint64_t vote_quiet_ms = 0;
  /// Timings of group commits (replica_stage::fsync).
  stage_observer observe;
};

/// Owns the C `raft_io` record, the sqlite_log and every request c-raft has
/// submitted but not yet seen completed.
///
/// Who touches it: the single thread that owns the replica. c-raft calls
/// the io methods; the owner calls receive() and poll(now_ms). Nothing here
/// is thread-safe and nothing needs to be: a CAF actor or a test loop is
/// the only driver, which also makes runs deterministic under virtual time.
///
/// How work completes (all of it inside poll(), never inside the c-raft
/// call that submitted it, as c-raft requires):
/// 1. group commit: every append / truncate / snapshot_put submitted since
///    the last poll is written in ONE SQLite transaction — one fsync — in
///    submission order, and only then are their callbacks fired;
/// 2. received messages go to c-raft's recv callback;
/// 3. the tick callback fires once the tick interval has elapsed;
/// 4. the writes steps 2-3 caused are group-committed the same way;
/// 5. snapshot loads, async work and send callbacks complete.
/// In steady state a leader's writes fall in step 1 and a follower's in
/// step 4, so each node still pays one fsync per poll. Step 1 comes before
/// step 2 for safety under c-raft 0.15, whose replicationQuorum() may
/// commit an entry of an earlier term by counting replicas (Raft §5.4.2,
/// fixed upstream after 0.15): the replica appends a barrier on winning an
/// election, and writing it before any AppendEntries result is processed
/// means the quorum check only ever sees an entry of the leader's term.
/// set_term / set_vote / bootstrap are synchronous and durable on return.
///
/// Two c-raft 0.15 follower bugs are corrected on the way in and out, both
/// because c-raft uses the follower's last *stored* index where Raft means
/// the last index the leader's AppendEntries covered — entries past it may
/// be left over from an old term:
/// - delivering an AppendEntries, leader_commit is capped at
///   prev_log_index + n_entries, so a follower never commits (and applies)
///   an entry it has not checked against the leader;
/// - sending a successful AppendEntries result, last_log_index is clamped
///   to max(commit index, last stored entry of the current term), the
///   prefix that provably matches the leader's log, so the leader never
///   records a match the follower does not have.
/// The commit index is read from the raft instance c-raft stores in
/// raft_io::data (raft_init); without one it counts as 0.
///
/// Invariants: next_index_ is the index the next appended entry gets (the
/// io tracks it because c-raft's append does not say); callbacks of writes
/// fire only after their transaction committed; terms_ describes the
/// committed log (updated after each commit, before any callback); after close() no callback
/// fires except those completing in close() itself.
class sqlite_raft_io {
 public:
  sqlite_raft_io(std::unique_ptr<sqlite_log> log, transport& net, const io_options& options = {});
  ~sqlite_raft_io();
  sqlite_raft_io(const sqlite_raft_io&) = delete;
  sqlite_raft_io& operator=(const sqlite_raft_io&) = delete;

  raft_io* get() noexcept { return &io_; }

  /// An encoded message from `from`; queued for the next poll. Malformed
  /// or misaddressed messages are dropped (counted in stats()).
  void receive(node_id from, std::string_view bytes);

  /// Performs all pending work (see class comment); true if anything ran.
  bool poll(uint64_t now_ms);
  /// Sets the clock without doing work (before raft_start).
  void set_time(uint64_t now_ms) noexcept;
  uint64_t now() const noexcept { return now_ms_; }
  /// Work is queued for the next poll.
  bool has_pending_work() const noexcept;
  /// A durable write (log batch, term or vote) failed: the io refuses
  /// further writes and the owner must reopen the replica from its file.
  /// The error says why (errc::insufficient_storage for a full disk).
  bool failed() const noexcept { return failed_; }
  const error& failure() const noexcept { return failure_; }

  /// From now on unflushed writes are lost on close, as in a power cut.
  void simulate_crash() noexcept { crashed_ = true; }

  sqlite_log& log() noexcept { return *log_; }
  /// What the link headers prove (see leader_lease.hpp).
  const leader_lease& lease() const noexcept { return lease_; }

  struct counters {
    uint64_t flushes = 0;          // group-commit transactions
    uint64_t entries_written = 0;  // entries in them
    uint64_t messages_sent = 0;
    uint64_t messages_received = 0;
    uint64_t messages_dropped = 0;  // malformed / misaddressed
    uint64_t ticks = 0;
    uint64_t leader_commits_capped = 0;  // received AppendEntries corrected
    uint64_t match_claims_clamped = 0;   // sent AppendEntries results corrected
    uint64_t votes_quieted = 0;          // RequestVotes ignored right after start
  };
  const counters& stats() const noexcept { return stats_; }
  /// fsyncs of the log (every commit: batches plus term/vote writes).
  uint64_t fsyncs() const noexcept { return log_->commits(); }

 private:
  struct disk_op {
    enum kind_t { append, truncate, snapshot_put } kind;
    raft_io_append* append_req = nullptr;
    const raft_entry* entries = nullptr;
    unsigned n = 0;
    uint64_t index = 0;  // first entry (append) or first removed (truncate)
    raft_io_snapshot_put* put_req = nullptr;
    const raft_snapshot* snapshot = nullptr;
    unsigned trailing = 0;
  };

  // c-raft entry points (io_.impl == this).
  static int do_init(raft_io* io, raft_id id, const char* address);
  static void do_close(raft_io* io, raft_io_close_cb cb);
  static int do_load(raft_io* io, raft_term* term, raft_id* voted_for, raft_snapshot** snapshot,
                     raft_index* start_index, raft_entry** entries, size_t* n_entries);
  static int do_start(raft_io* io, unsigned msecs, raft_io_tick_cb tick, raft_io_recv_cb recv);
  static int do_bootstrap(raft_io* io, const raft_configuration* conf);
  static int do_recover(raft_io* io, const raft_configuration* conf);
  static int do_set_term(raft_io* io, raft_term term);
  static int do_set_vote(raft_io* io, raft_id server_id);
  static int do_send(raft_io* io, raft_io_send* req, const raft_message* message, raft_io_send_cb cb);
  static int do_append(raft_io* io, raft_io_append* req, const raft_entry entries[], unsigned n,
                       raft_io_append_cb cb);
  static int do_truncate(raft_io* io, raft_index index);
  static int do_snapshot_put(raft_io* io, unsigned trailing, raft_io_snapshot_put* req,
                             const raft_snapshot* snapshot, raft_io_snapshot_put_cb cb);
  static int do_snapshot_get(raft_io* io, raft_io_snapshot_get* req, raft_io_snapshot_get_cb cb);
  static raft_time do_time(raft_io* io);
  static int do_random(raft_io* io, int min, int max);
  static int do_async_work(raft_io* io, raft_io_async_work* req, raft_io_async_work_cb cb);

  int load(raft_term* term, raft_id* voted_for, raft_snapshot** snapshot, raft_index* start_index,
           raft_entry** entries, size_t* n_entries);
  int bootstrap(const raft_configuration* conf);
  int append_configuration(const raft_configuration* conf, uint64_t index, uint64_t term);
  int write_op(const disk_op& op);
  void note_written(const disk_op& op);
  void cap_leader_commit(raft_append_entries& ae);
  void clamp_match_claim(raft_append_entries_result& res);
  /// The term this node leads in, or 0.
  uint64_t leading_term() const noexcept;
  /// Link bookkeeping for a message about to reach c-raft; false if the
  /// message must be dropped instead (a vote inside the quiet period).
  bool admit(const decoded_message& msg);
  bool flush_disk();
  void complete_snapshot_gets(int status);
  int fail(int rv, std::string_view what);
  /// A durable write failed with `err`: no further writes (see failed()).
  int fail_write(const error& err);

  raft_io io_{};
  std::unique_ptr<sqlite_log> log_;
  transport& net_;
  std::mt19937_64 rng_;
  uint64_t id_ = 0;
  std::string address_;
  uint64_t now_ms_ = 0;
  uint64_t term_ = 0;
  uint64_t next_index_ = 1;
  unsigned tick_interval_ = 0;
  uint64_t next_tick_ = 0;
  raft_io_tick_cb tick_cb_ = nullptr;
  raft_io_recv_cb recv_cb_ = nullptr;
  bool closing_ = false;
  bool crashed_ = false;
  bool failed_ = false;  // a write failed: the io refuses further writes
  error failure_;        // why, once failed_

  log_term_index terms_;  // of the committed log, for clamp_match_claim
  std::vector<disk_op> pending_disk_;
  std::vector<raft_io_send*> sent_;
  std::deque<std::unique_ptr<decoded_message>> inbox_;
  std::vector<raft_io_snapshot_get*> snapshot_gets_;
  std::vector<raft_io_async_work*> async_work_;
  counters stats_;
  leader_lease lease_;
  stage_observer observe_;
  uint64_t vote_quiet_ms_ = 0;
  uint64_t started_ms_ = 0;
};

}  // namespace ropekv::consensus
