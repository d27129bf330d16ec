#pragma once
// Batches STRONG reads behind Raft read barriers.
#include <cstdint>
#include <functional>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::consensus {
class replica;
}

namespace ropekv::segment::detail {

/// Owns the reads waiting for a barrier. Who touches it: the replica's
/// thread (enqueue from request handlers, flush from poll, completions from
/// the consensus replica's callbacks).
///
/// At most one barrier is in flight. Reads that arrive while it is in
/// flight wait for the next one: a barrier proves leadership only for reads
/// that arrived before it was issued (one issued earlier may complete after
/// a newer leader acknowledged writes the read must see). So every read is
/// answered after a barrier issued after it arrived, and all reads that
/// arrived in the meantime share that barrier.
class read_batcher {
 public:
  /// Runs once: ok after the barrier (read local state now), or the error
  /// (not_leader, unavailable) when it failed.
  using read_fn = std::function<void(const status&)>;

  void enqueue(read_fn fn) { waiting_.push_back(std::move(fn)); }

  /// Issues a barrier for the waiting reads if none is in flight. True if
  /// it did anything (issued, or failed the reads at once).
  bool flush(consensus::replica& raft);

  /// Fails every waiting read (replica closing).
  void fail_all(const error& err);

  uint64_t barriers() const noexcept { return barriers_; }
  uint64_t served() const noexcept { return served_; }
  bool idle() const noexcept { return waiting_.empty() && !in_flight_; }

 private:
  std::vector<read_fn> waiting_;
  bool in_flight_ = false;
  uint64_t barriers_ = 0;
  uint64_t served_ = 0;
};

}  // namespace ropekv::segment::detail
