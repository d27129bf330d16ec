#pragma once
// history_recorder: collects a history from concurrent client threads.
//
// Owns the operations recorded so far. Any thread may call any member; one
// mutex serialises them. The timestamp is taken while that mutex is held, so
// timestamps are monotonic in recording order: an operation completed before
// another is invoked always gets the smaller time, which is exactly the
// real-time order linearizability is judged against.
//
// Protocol for a client: call invoke() just before sending the request and
// complete() just after the reply arrives. Replies that prove the operation
// had no effect (e.g. "not leader" before anything was proposed) may be
// dropped with discard(); timeouts and crashes must not be: leave the
// operation incomplete (or call complete_unknown()) and the checker treats it
// as "may have taken effect at any time after invoke, or never".
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ropekv/linearizability/history.hpp"

namespace ropekv::lin {

class history_recorder {
 public:
  /// Returns the current time; must be monotonic.
  using clock_fn = std::function<int64_t()>;

  /// Refers to one invoked operation; valid for the recorder that issued it.
  struct handle {
    size_t index = 0;
  };

  /// Uses std::chrono::steady_clock, in nanoseconds since construction.
  history_recorder();
  /// Injected clock, for deterministic tests.
  explicit history_recorder(clock_fn clock);

  handle invoke(client_id client, std::string key, op_input input);
  void complete(handle op, op_output output);
  /// Same as never completing; makes the intent explicit at the call site.
  void complete_unknown(handle op);
  /// The operation certainly had no effect: leave it out of the history.
  void discard(handle op);

  /// Snapshot of everything recorded so far, in invocation order; operations
  /// not yet completed appear with an unknown outcome.
  std::vector<operation> history() const;

 private:
  mutable std::mutex mutex_;
  clock_fn clock_;
  std::vector<operation> ops_;
  std::vector<bool> discarded_;
};

}  // namespace ropekv::lin
