#pragma once
// drain_progress: what `ropectl node drain ID --wait` reads from each
// GET /v1/cluster and shows while placement moves the node's replicas
// away (docs/agency.md, "Drain"). A pure reading of the cluster JSON
// (services/router/responses.cpp cluster_body) and a pure renderer, so the
// display is unit-tested without a router, a clock or a terminal.
//
// One line, no newline:
//   drain node 2  [############------------]   50%  3/6 moved, 3 left  2 moves in flight (oldest 1.4s)  4.0s
//   drain node 2  [########################]  100%  6/6 moved, 0 left  0 moves in flight  5.2s
// The bar is of replicas moved off since the wait started (the most the
// node held since then, so a replica that arrives late only widens it).
// It is held at 99% until the node is drained: no replica left and no move
// off it still in flight.
//
// Tolerance (as output_formatter): absent or odd members count as 0 or
// false, never an error.
#include <cstdint>
#include <string>
#include <string_view>

#include "json_value.hpp"

namespace ropekv::ctl {

/// One node as one GET /v1/cluster shows it.
struct drain_progress {
  uint64_t node = 0;
  bool known = false;      // in nodes[] or node_loads[]
  bool draining = false;   // nodes[].draining (else node_loads[].draining)
  bool alive = false;
  /// node_loads[].replicas (placement's count); when the node has no
  /// node_loads entry, the segments whose replicas[] name it.
  uint64_t replicas = 0;
  uint64_t leaders = 0;
  uint64_t moves_out = 0;        // moves[] with from_node == node
  uint64_t oldest_move_ms = 0;   // the largest age_ms among those
};

drain_progress read_drain_progress(const json_value& cluster, uint64_t node);

/// No replica left and no move off the node in flight.
inline bool is_drained(const drain_progress& p) { return p.known && p.replicas == 0 && p.moves_out == 0; }

/// A wait's state at one poll.
struct drain_snapshot {
  drain_progress now;
  uint64_t initial = 0;  // replicas when the wait started, or the most seen since
  double seconds = 0;    // since the wait started
};

/// The percentage of `initial` moved off, floored, 99 at most until drained.
unsigned drain_percent(const drain_snapshot& s);

/// "0.4s", "12s", "2m05s", "1h02m": tenths under 10 s, then whole seconds (floored).
std::string format_elapsed(double seconds);

/// The progress line for `s` (no newline).
std::string format_drain(const drain_snapshot& s);

/// One JSON object (no newline): {"event":EVENT,"node","draining",
/// "replicas","initial_replicas","moved","leaders","moves_in_flight",
/// "oldest_move_ms","percent","seconds"}.
std::string drain_event_json(const drain_snapshot& s, std::string_view event);

/// Tracks the initial count over the polls of one wait.
class drain_tracker {
 public:
  /// `initial`: the node's replicas when the drain was asked for.
  explicit drain_tracker(uint64_t initial) : initial_(initial) {}
  drain_snapshot observe(const drain_progress& p, double seconds);

 private:
  uint64_t initial_;
};

/// Decides what to write for each poll:
///  - terminal: "\r" + the line at every poll (the elapsed time moves),
///    blank-padded over a longer previous one; finish() ends it with "\n";
///  - lines (a pipe, a log): the line + "\n" when replicas, moves in
///    flight or the draining flag changed (the first poll always);
///  - json: drain_event_json(s, "progress") + "\n", on the same changes.
/// Invariant: after finish() the cursor is at the start of a fresh line.
class drain_display {
 public:
  enum class mode : uint8_t { terminal, lines, json };
  explicit drain_display(mode m) : mode_(m) {}

  std::string update(const drain_snapshot& s);
  /// "\n" when an in-place line is on screen (it stays there), else "".
  std::string finish();

 private:
  mode mode_;
  size_t drawn_ = 0;      // terminal: width of the line on screen
  std::string last_key_;  // lines, json: what the last output showed
};

}  // namespace ropekv::ctl
