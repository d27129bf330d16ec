#pragma once
// load_runner: `ropectl load TABLE FILE|-` -- bulk import through the
// router's batch endpoint.
//
// Flow: GET the table (its key names; 404 stops with exit 3), read the
// input (load_records.hpp) on this thread into batches (load_batches.hpp),
// hand them to `concurrency` worker threads, each with its own connection,
// which send them with retries (batch_sender.hpp); a ticker thread samples
// the counters every progress interval and is the only writer of progress
// and failure lines while the load runs.
//
// Output contract (scripts rely on it):
//  - human mode: progress on stderr (transfer_progress.hpp: redrawn in
//    place on a terminal, else one line per interval, 5 s by default);
//    `error: line N: CODE: message` on stderr for the first 20 failed
//    items; at the end one summary line on stdout:
//      loaded 2998 of 3000 items into users in 1.9s (1578 items/s), 2 failed
//  - --json: stdout carries JSON lines only: {"event":"progress",...} per
//    interval (1 s), {"event":"failure","line","status","code","message"}
//    per failed item, and last {"event":"summary","table","items",
//    "written","failed","bytes","seconds","items_per_s","retries",
//    "exit_code"}; errors that stop the load also go to stderr as
//    `error: CODE: message`.
//  - exit (exit_codes.hpp): 0 every item written; 7 some failed; 2 bad
//    input that stops the load (CSV syntax, header without the key column,
//    unreadable file); 3 no such table; 5 the router stayed unavailable
//    through every retry; 6 refused.
//
// Ordering: batches complete in any order; items of one key in the input
// may be written in either order when they land in different batches.
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

#include "bulk_env.hpp"
#include "cli_parser.hpp"

namespace ropekv::ctl {

int run_load(const parsed_args& args, const bulk_env& env, std::istream& stdin_stream, std::ostream& out,
             std::ostream& err);

/// The table's key attribute names from GET /v1/tables/{t}; on failure
/// prints the error and returns its exit code.
struct table_keys {
  std::string hash;
  std::optional<std::string> range;
};
std::variant<table_keys, int> lookup_table(const std::string& table, const fetch_fn& fetch, const retry_policy& policy,
                                           const sleep_fn& sleep, std::ostream& err);

}  // namespace ropekv::ctl
