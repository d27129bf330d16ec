#pragma once
// index_progress: what `ropectl index create --wait` shows on stderr while
// an index backfills. A pure reading of the index JSON
// (services/router/index_responses.hpp) and a pure renderer, so the display
// is unit-tested without a router, a clock or a terminal.
//
// One line, no newline:
//   by_city  backfilling  [#########---------------]  37%  3700/10000 items  1250 items/s  ETA 6s
//   by_city  backfilling  120 items  40 items/s            (no estimate yet)
//   by_city  unassigned: no indexer is alive, waiting
//   by_city  active  10412 entries
// The percentage is floored and held at 99 until the index is active:
// items_estimated is an estimate, and only "active" means queryable.
//
// Tolerance (as output_formatter): absent or odd members are shown as 0 or
// left out, never an error; an unknown state is shown as sent.
#include <cstdint>
#include <optional>
#include <string>

#include "json_value.hpp"

namespace ropekv::ctl {

struct index_progress {
  std::string name;
  std::string state;  // "backfilling" | "active" | "unassigned" | as sent
  bool has_backfill = false;  // the "backfill" object was present
  uint64_t items_done = 0;
  uint64_t items_estimated = 0;  // 0: no estimate yet
  double items_per_s = 0;
  std::optional<uint64_t> entries;
};

/// The members of an index object that the progress line shows.
index_progress read_progress(const json_value& index);

bool is_active(const index_progress& p);

/// The line for `p` (no newline).
std::string format_progress(const index_progress& p);

/// "45s", "2m05s", "1h02m" (whole seconds, rounded up; at least 1s).
std::string format_eta(double seconds);

/// Decides what to write to stderr for each poll.
///  - on a terminal every update redraws the line in place: "\r" + line,
///    blank-padded over a longer previous line; finish() ends it with "\n";
///  - otherwise (a pipe, a log) a whole line only when the state or the
///    whole percentage changed (without an estimate: the items done), so
///    a log gets at most about a hundred lines per index.
/// Invariant: the text returned by update() and finish(), written in order,
/// leaves the cursor at the start of a fresh line after finish().
class progress_display {
 public:
  explicit progress_display(bool terminal) : terminal_(terminal) {}

  /// Text to write for this observation; may be empty.
  std::string update(const index_progress& p);
  /// Text that ends the display: "\n" after an in-place line, else "".
  std::string finish();

 private:
  bool terminal_;
  size_t drawn_ = 0;       // terminal: width of the line now on screen
  std::string last_key_;   // not a terminal: what the last printed line showed
};

}  // namespace ropekv::ctl
