#pragma once
// Presents a ropekv state_machine to c-raft as a `struct raft_fsm`.
#include <cstdint>
#include <functional>
#include <string>

#include "ropekv/consensus/raft_c.hpp"
#include "ropekv/consensus/state_machine.hpp"

namespace ropekv::consensus {

/// Owns the C `raft_fsm` record whose callbacks forward to a state_machine.
///
/// Who touches it: c-raft (apply / snapshot / restore), from the thread
/// that drives the raft instance; the owner attaches the raft instance
/// once it is initialised, because c-raft's apply callback does not say
/// which index it applies (it is always `last_applied + 1`).
///
/// Snapshot image layout: 8-byte little-endian index, then the machine's
/// own snapshot bytes. Carrying the index lets restore() skip the copy when
/// a persistent machine already holds that state (restart after a
/// snapshot), and hands the index to state_machine::restore.
///
/// Invariant: for a non-batching machine `*result` handed to c-raft points
/// at last_result_, valid until the next apply (the raft_apply callback
/// fires right after apply). For a batching machine it is NULL: results
/// reach the apply hook at flush().
class fsm_adapter {
 public:
  /// Called after every applied command with its index and result; the
  /// hook may move the result out (the replica completes proposals here).
  using apply_hook = std::function<void(uint64_t index, std::string& result)>;

  explicit fsm_adapter(state_machine& machine);
  fsm_adapter(const fsm_adapter&) = delete;
  fsm_adapter& operator=(const fsm_adapter&) = delete;

  raft_fsm* get() noexcept { return &fsm_; }
  void attach(raft* r) noexcept { raft_ = r; }
  void set_apply_hook(apply_hook hook) { hook_ = std::move(hook); }

  state_machine& machine() noexcept { return machine_; }
  /// Applies what a batching machine staged; results go to the hook. After
  /// an error failed() stays true: the replica must be reopened.
  status flush();
  bool failed() const noexcept { return failed_; }
  /// Message of the last failed callback, for diagnostics.
  const std::string& last_error() const noexcept { return last_error_; }
  /// Code of the error that made failed() true (insufficient_storage for
  /// a full disk), io_error when it carried none.
  errc failure_code() const noexcept { return failure_code_; }

 private:
  static int apply_cb(raft_fsm* fsm, const raft_buffer* buf, void** result);
  static int snapshot_cb(raft_fsm* fsm, raft_buffer* bufs[], unsigned* n_bufs);
  static int restore_cb(raft_fsm* fsm, raft_buffer* buf);

  raft_fsm fsm_{};
  state_machine& machine_;
  raft* raft_ = nullptr;
  apply_hook hook_;
  std::string last_result_;
  std::string last_error_;
  errc failure_code_ = errc::io_error;
  bool failed_ = false;
};

}  // namespace ropekv::consensus
