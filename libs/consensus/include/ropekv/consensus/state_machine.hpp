#pragma once
// What a replica replicates. The segment store implements it through
// store_state_machine; tests use small in-memory machines.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::consensus {

/// A deterministic state machine fed by committed Raft entries.
///
/// Who touches it: only the thread that polls the owning replica (or the
/// c-raft fixture), through fsm_adapter.
///
/// Contract:
/// - apply() is a pure function of (state, index, command): every replica
///   computes the same result bytes. Domain failures (a failed condition)
///   are part of the result bytes; an error return means the machine
///   itself is broken (disk), and c-raft retries the entry later.
/// - Persistent machines must be idempotent for index <= applied_index():
///   after a restart c-raft replays the log tail above its snapshot.
/// - restore() replaces the whole state with a snapshot taken at `index`.
/// - Group apply (optional): a machine whose batches() is true gets
///   commands through stage() instead of apply(), and applies everything
///   staged in one transaction at flush(), reporting each result to the
///   sink in index order. fsm_adapter flushes at the end of every poll and
///   before a snapshot or restore, so staging is invisible to proposers.
class state_machine {
 public:
  /// Receives (index, result bytes); may move the bytes out.
  using result_sink = std::function<void(uint64_t index, std::string& result)>;

  virtual ~state_machine() = default;

  /// Applies the committed command at log position `index`; returns the
  /// bytes handed back to the proposer.
  virtual result<std::string> apply(uint64_t index, std::string_view command) = 0;

  /// Highest index whose effects the machine holds durably; 0 for a
  /// volatile machine (it is rebuilt from snapshot + log at start-up).
  virtual uint64_t applied_index() const = 0;

  /// A self-contained image of the current state.
  virtual result<std::string> snapshot() = 0;

  /// Replaces the state with `image`, a snapshot taken at `index`.
  virtual status restore(uint64_t index, std::string_view image) = 0;

  /// True if the machine stages commands and applies them at flush().
  virtual bool batches() const { return false; }
  /// Batching machines: remember the committed command at `index`.
  virtual status stage(uint64_t index, std::string_view command) {
    return make_error(errc::internal, "stage() on a machine that does not batch");
  }
  /// Batching machines: apply everything staged, in one transaction. An
  /// error is fatal for the replica (its state is behind what c-raft
  /// believes applied); the owner reopens it, and the log replays.
  virtual status flush(const result_sink& sink) { return {}; }
};

}  // namespace ropekv::consensus
