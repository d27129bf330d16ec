#pragma once
// catalog_replicator: one placement instance's half of the replicated
// catalog. It is the Raft state machine over the instance's catalog file
// (its own connection) and the commit_sink of the leader's catalog_db
// batches (another connection to the same file).
//
// Log entry = 8-byte proposer nonce, 8-byte sequence number, then the
// batch's SQLite changeset. Every instance applies a changeset to the same
// prior state, so every file holds the same rows at the same index.
//
// The leader's own batch is NOT applied a second time: the leader's
// connection holds it uncommitted while replicate() waits; when the entry
// commits, apply() (on the thread polling the replica) recognises it by
// nonce + sequence and commits that waiting transaction with the applied
// index (catalog_db::commit_local), under the replicator's mutex, so the
// waiter cannot give up half-way. A waiter that gave up (timeout, lost
// leadership) rolls back; if its entry commits later anyway, apply() finds
// no waiter and applies the changeset like any other instance would.
//
// Threads: apply/snapshot/restore on the replica's thread; replicate() on
// the leader's catalog thread (it blocks that thread until the outcome is
// known). foreign_changes() from any.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ropekv/catalog/catalog_db.hpp"
#include "ropekv/consensus/state_machine.hpp"

namespace ropekv::catalog {

class catalog_replicator : public consensus::state_machine, public commit_sink {
 public:
  /// Hands an entry to the log (thread-safe). An error return means it was
  /// not accepted; `failed` fires later if its outcome became unknown.
  using propose_fn = std::function<status(std::string command, std::function<void(error)> failed)>;
  /// Blocks until done() or `limit` passed. The default sleeps on a
  /// condition variable apply() notifies; single-threaded tests pump their
  /// replicas instead.
  using wait_fn = std::function<void(const std::function<bool()>& done, std::chrono::milliseconds limit)>;

  /// Opens the state-machine connection to the catalog file at `path`.
  /// `nonce` tells this process's entries apart from every other's (and
  /// from its own earlier incarnations).
  static result<std::unique_ptr<catalog_replicator>> open(const std::string& path, uint64_t nonce);

  void set_propose(propose_fn fn) { propose_ = std::move(fn); }
  void set_wait(wait_fn fn) { wait_ = std::move(fn); }
  /// How long replicate() waits for its entry to commit (then: unavailable).
  void set_commit_timeout(std::chrono::milliseconds t) { commit_timeout_ = t; }

  // consensus::state_machine
  result<std::string> apply(uint64_t index, std::string_view command) override;
  uint64_t applied_index() const override { return applied_.load(); }
  result<std::string> snapshot() override;
  status restore(uint64_t index, std::string_view image) override;

  // commit_sink
  status replicate(catalog_db& db, std::string changeset) override;

  /// Counts changes that reached the file other than through a waiting
  /// replicate() (entries of other proposers, snapshots): a leader whose
  /// in-memory view was derived from the file must rebuild it when this
  /// moves while it leads.
  uint64_t foreign_changes() const { return foreign_.load(); }

  static std::string encode(uint64_t nonce, uint64_t seq, std::string_view changeset);

 private:
  explicit catalog_replicator(std::unique_ptr<catalog_db> db, uint64_t nonce, uint64_t applied)
      : db_(std::move(db)), nonce_(nonce), applied_(applied) {}
  void notify();

  enum class slot_state { waiting, done, failed };
  struct waiter_slot {
    uint64_t seq = 0;
    catalog_db* db = nullptr;
    slot_state state = slot_state::waiting;
    std::optional<error> failure;
  };

  std::unique_ptr<catalog_db> db_;  // the state-machine connection
  uint64_t nonce_;
  std::atomic<uint64_t> applied_;
  std::atomic<uint64_t> foreign_{0};
  propose_fn propose_;
  wait_fn wait_;
  std::chrono::milliseconds commit_timeout_{5000};

  std::mutex mu_;  // guards seq_ and slot_
  uint64_t seq_ = 0;
  std::optional<waiter_slot> slot_;
  std::mutex cv_mu_;
  std::condition_variable cv_;
};

}  // namespace ropekv::catalog
