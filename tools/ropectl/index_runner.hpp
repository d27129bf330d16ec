#pragma once
// index_runner: the `index` subcommands (global secondary indexes) against
// the router, through the same fetch function as command_runner.
//
// Output contract (on top of command_runner.hpp's; scripts rely on it):
//  - stdout: the router's JSON, compacted onto one line, for create, get,
//    list, delete and a query page; `index query --all` prints each item
//    object of every page on its own line (with --json: each page);
//  - `index create --wait`: after the PUT, GET every index_poll_interval
//    until "state" is "active", showing progress_display's lines on
//    stderr, then prints the last GET's JSON on stdout. No deadline of
//    its own: ctrl-c ends it (the index stays defined);
//  - stderr: `error: CODE: message`; the exit code of the error's class
//    (exit_codes.hpp) when the router answers with an error (also while
//    waiting: 3 when the index was deleted), 5 when it does not answer.
#include <chrono>
#include <functional>
#include <iosfwd>

#include "cli_parser.hpp"
#include "pager.hpp"

namespace ropekv::ctl {

inline constexpr std::chrono::milliseconds index_poll_interval{250};

/// What `create --wait` (and `node drain --wait`, node_runner.hpp) needs
/// from its surroundings; tests replace them.
struct index_wait_env {
  bool terminal = false;  // stderr is a terminal: redraw the progress line in place
  std::function<void(std::chrono::milliseconds)> sleep;  // empty: std::this_thread::sleep_for
  std::function<std::chrono::steady_clock::time_point()> now;  // empty: steady_clock::now
};

/// True for the index_* kinds.
bool is_index_command(command_kind kind);

/// Runs an index_* command in `args` with `fetch` as the transport.
int run_index(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err,
              const index_wait_env& env = {});

}  // namespace ropekv::ctl
