#pragma once
// split_policy: when the leader of a segment proposes to split it (DESIGN
// §6, owner agency). The thresholds are placement's own should_split()
// (libs/placement/split_merge.hpp) with the owner's settings; this adds
// what makes proposals well-behaved:
//   * at most one proposal per segment in flight;
//   * after a refused or failed proposal, exponential back-off from one
//     check interval up to backoff_max, so a segment placement keeps
//     refusing (a move in flight, a stale epoch) is not hammered;
//   * after an accepted split, a cool-down of one check interval, and the
//     load measured afresh (load_meter::reset), so the halves are judged
//     on their own load, not on the parent's decayed rate.
// Size needs no extra hysteresis: each half holds about half the split
// size after a split.
//
// Plain values, time passed in; owned per segment by hosted_replica and
// touched by the owner actor only.
#include <chrono>
#include <cstdint>

#include "ropekv/placement/split_merge.hpp"

namespace ropekv::segment_owner {

struct split_settings {
  /// Split above this many logical bytes (the store's aggregates); 0: never for size.
  uint64_t max_bytes = 64ull << 20;
  /// Split above this many decayed reads/s + writes/s; 0: never for load.
  double hot_ops_per_s = 4000;
  /// How often leaders look at their segments; also the time constant of
  /// the decayed rates, the first back-off and the cool-down.
  std::chrono::milliseconds check_interval{10000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  /// A hash key holding this share of a segment's weight is split between
  /// its range keys (split_key.hpp).
  double dominant_share = 0.5;
  /// Sampled keys a load split needs before it picks a key.
  size_t min_samples = 16;
};

/// Whether a segment with these measurements is due for a split.
placement::split_reason split_due(const split_settings& s, uint64_t items, uint64_t bytes, double ops_per_s);

class split_gate {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  bool may_propose(time_point now) const noexcept { return !in_flight_ && now >= not_before_; }
  bool in_flight() const noexcept { return in_flight_; }
  /// A proposal (or the scan for its key) started.
  void started() noexcept { in_flight_ = true; }
  /// Refused by placement, failed, or no key found: wait, longer each time.
  /// Returns the wait.
  std::chrono::milliseconds refused(time_point now, const split_settings& s);
  /// Accepted (the split applied): cool down, back-off starts over.
  void accepted(time_point now, const split_settings& s);
  time_point not_before() const noexcept { return not_before_; }

 private:
  bool in_flight_ = false;
  time_point not_before_{};
  std::chrono::milliseconds next_wait_{0};
};

}  // namespace ropekv::segment_owner
