#pragma once
// export_runner: `ropectl export TABLE [FILE|-]` -- every item of a table,
// in rope order, as JSON lines, through the scan endpoint (1000 items a
// page, following cursors; a page that answers 429/503 or not at all is
// asked again, with back-off, retry.hpp).
//
// Output contract:
//  - FILE (default "-": stdout) gets one line per item, the router's item
//    object as sent: {"hash_key"|"hash_key_base64", "range_key"...?,
//    "version", "expires_at_ms"?, "item":{...}}, which `load` reads back;
//  - stderr: progress (items, bytes, rate; transfer_progress.hpp) redrawn
//    in place on a terminal, else one line per interval (5 s), with --json
//    {"event":"progress",...} lines; at the end `exported N items from T
//    in S s (R items/s)` (--json: {"event":"summary","table","items",
//    "bytes","seconds","items_per_s","retries","exit_code"});
//  - exit (exit_codes.hpp): 0; 3 no such table; 5 unavailable through
//    every retry; 2 FILE cannot be written. Items already written stay in
//    FILE when a later page fails.
#include <iosfwd>

#include "bulk_env.hpp"
#include "cli_parser.hpp"

namespace ropekv::ctl {

int run_export(const parsed_args& args, const bulk_env& env, std::ostream& out, std::ostream& err);

}  // namespace ropekv::ctl
