#pragma once
// transfer_progress: what `load` and `export` show while they run. A pure
// snapshot -> text renderer, so the display is unit-tested without a
// router, a clock or a terminal; the runners sample their counters into a
// transfer_snapshot and write what transfer_display returns.
//
// One line, fitted to the terminal width (never wider than width - 1, so
// the terminal does not wrap it and "\r" redraws it in place):
//   load users  [##########--------------------]  33%  3000 items  1.1/3.3 MiB  1500 items/s  ETA 2s
//   load users  3000 items  1.1 MiB  1500 items/s  12 failed       (no total: stdin)
//   export users  52000 items  9.8 MiB  20480 items/s
// The percentage is of bytes (the input file's size is known before a line
// is parsed, its item count is not), floored, and 100 only when finished.
// Rate: items per second since the start. ETA: bytes left at the average
// byte rate so far; absent until something was done.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ropekv::ctl {

struct transfer_snapshot {
  std::string label;         // "load users", "export users"
  uint64_t items = 0;        // items done (written or failed; exported)
  uint64_t failed = 0;       // of which failed
  uint64_t bytes = 0;        // input bytes done (load), bytes written (export)
  std::optional<uint64_t> total_bytes;  // absent: unknown (stdin, export)
  uint64_t retries = 0;      // requests re-sent
  double seconds = 0;        // since the start
  bool finished = false;
};

double items_per_second(const transfer_snapshot& s);
/// Seconds left, when there is a total and a rate to extrapolate from.
std::optional<double> eta_seconds(const transfer_snapshot& s);

/// "512 B", "1.5 KiB", "3.3 MiB", "280 KiB" (no decimal from 100 up).
std::string format_bytes(uint64_t bytes);

/// The progress line for `s`, at most width - 1 columns. The bar (10..30
/// columns) is sized from the width with 56 columns kept for the numbers,
/// so it does not jump while they change; no bar when it would get fewer
/// than 10 (e.g. at 80 columns); text cut at the end when even that is
/// too wide.
std::string format_transfer(const transfer_snapshot& s, size_t width);

/// One JSON object (no newline): {"event":EVENT,"items","failed","bytes",
/// "total_bytes"?,"retries","seconds","items_per_s","eta_s"?, "percent"?}.
std::string transfer_event_json(const transfer_snapshot& s, std::string_view event);

/// Decides what to write for each sample:
///  - terminal: "\r" + the line, blank-padded over a longer previous one;
///    finish() ends it with "\n";
///  - lines (a pipe, a log): the line + "\n" per sample;
///  - json: transfer_event_json(s, "progress") + "\n" per sample.
/// Invariant: after finish() the cursor is at the start of a fresh line, so
/// an error message written between update() calls should be preceded by
/// interrupt() (which ends an in-place line first).
class transfer_display {
 public:
  enum class mode : uint8_t { terminal, lines, json };
  explicit transfer_display(mode m, size_t width = 80) : mode_(m), width_(width) {}

  std::string update(const transfer_snapshot& s);
  /// "\n" when an in-place line is on screen (it stays there), else "".
  std::string interrupt();
  std::string finish() { return interrupt(); }

 private:
  mode mode_;
  size_t width_;
  size_t drawn_ = 0;  // terminal: width of the line on screen, 0 if none
};

}  // namespace ropekv::ctl
