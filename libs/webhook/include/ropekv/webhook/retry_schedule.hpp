#pragma once
// When to try a webhook delivery again.
//
// A schedule is a list of delays; entry n-1 is the delay before attempt n
// (1-based), counted from the end of the previous attempt. The default is
// Standard Webhooks' 0, 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h, 24h (about 80 h
// in all). Every delay gets ±20 % uniform jitter so that hooks failing
// together do not retry in lock-step; the RNG is the caller's, so tests are
// deterministic. After the last entry the schedule is exhausted and the hook
// is "failing".
//
// Retry-After: on 429 and 503 a receiver may ask for a longer pause; the
// delay is then max(jittered, Retry-After), the latter capped at
// max_retry_after so one answer cannot park a hook indefinitely.
//
// Immutable after construction; const methods are thread-safe given
// separate RNGs.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::webhook {

using retry_delay = std::chrono::milliseconds;

inline constexpr size_t max_retry_entries = 100;
inline constexpr retry_delay max_retry_entry = std::chrono::hours(24 * 30);
inline constexpr retry_delay max_retry_after = std::chrono::hours(24);

/// What the last failed attempt said, as far as scheduling cares.
struct failure_hint {
  uint32_t status = 0;                     // HTTP status; 0: no answer
  std::optional<int64_t> retry_after_s;    // Retry-After seconds, if sent
};

class retry_schedule {
 public:
  /// The Standard Webhooks schedule.
  retry_schedule();
  /// Any non-empty list of non-negative delays (not validated further).
  explicit retry_schedule(std::vector<retry_delay> delays);

  /// Parses "0,5s,5m,30m,2h": comma-separated, spaces around items allowed,
  /// each a decimal number with unit ms, s, m or h (a bare "0" is allowed);
  /// at most max_retry_entries entries of at most max_retry_entry each.
  /// invalid_argument on anything else (empty text, empty item, unknown or
  /// missing unit, sign, fraction, overflow).
  static result<retry_schedule> parse(std::string_view text);

  /// Jittered delay before attempt `attempt` (1-based; 0 is taken as 1);
  /// nullopt when the schedule has no such attempt. A zero delay stays zero
  /// unless `last` carries a Retry-After that applies (status 429 or 503).
  std::optional<retry_delay> delay_before(uint32_t attempt, std::mt19937_64& rng,
                                          const failure_hint& last = {}) const;

  /// Number of attempts the schedule allows.
  size_t attempts() const noexcept { return delays_.size(); }
  const std::vector<retry_delay>& delays() const noexcept { return delays_; }
  /// Canonical text ("0,5s,5m,..."), accepted by parse().
  std::string to_string() const;

 private:
  std::vector<retry_delay> delays_;
};

/// ±20 % uniform jitter of `d` (integer milliseconds, independent of the
/// standard library's distributions so a seed gives the same result
/// everywhere).
retry_delay jitter(retry_delay d, std::mt19937_64& rng);

}  // namespace ropekv::webhook
