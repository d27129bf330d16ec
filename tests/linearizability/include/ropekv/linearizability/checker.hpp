#pragma once
// Linearizability checker for a register-per-key model (get/put/delete and
// conditional puts/deletes on string values).
//
// Approach (Wing & Gong's search with Lowe's refinements, as in Porcupine):
//  - P-compositionality: a history is linearizable iff its restriction to
//    every key is, because keys are independent registers. Each key is
//    checked on its own, which keeps the exponential search small.
//  - Per key, a depth-first search over "which pending operation takes effect
//    next", walking call/return events in time order; reaching the return of
//    an operation not yet linearized means backtracking.
//  - Memoisation of (set of linearized operations, register value): a search
//    state reached twice is explored once.
//  - Operations with an unknown outcome have no return event, so the search
//    may place them at any point after their invocation or never. Two
//    sound prunings keep each such op from doubling the search: a state that
//    differs from a visited one only by having used more of them is skipped
//    (it can do no more), and one is only placed right before an operation
//    whose outcome it changes. Leaving them out is tried first.
//
// Cost: a rejection must exhaust every state before the offending operation,
// and each pending op stays usable until the end. With ~1% of outcomes
// unknown, keep a key's history to a few hundred operations (spread load
// over more keys) to stay well inside the default budget.
//
// Stateless and thread-compatible: concurrent calls on different histories
// are fine.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/linearizability/history.hpp"

namespace ropekv::lin {

enum class verdict : uint8_t {
  linearizable,
  not_linearizable,
  unknown,  // search budget exhausted, or the history is malformed
};

std::string_view to_string(verdict v) noexcept;

struct check_options {
  /// Upper bound on memoised search states per key. Past it the checker
  /// gives up on that key (verdict::unknown) instead of running for hours.
  /// A state costs about (operations on its key / 8 + 30) bytes, so the
  /// default stays under ~250 MB even for 1600 operations on one key.
  uint64_t max_states = 1'000'000;
};

struct check_result {
  verdict outcome = verdict::linearizable;
  bool ok = true;            // outcome == verdict::linearizable
  std::string key;           // the failing key (see check_history)
  std::string explanation;   // empty when ok
  uint64_t states_explored = 0;
};

/// Checks `history` (any order; all keys mixed) against the model. Keys are
/// checked in lexicographic order; the first not linearizable one is
/// reported, else the first whose budget ran out (verdict::unknown).
/// states_explored is the total over all keys.
check_result check_history(const std::vector<operation>& history,
                           const check_options& options = {});

}  // namespace ropekv::lin
