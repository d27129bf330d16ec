#pragma once
// command_runner: executes one parsed command against the router and prints
// the outcome. The only place that combines the pieces: item_source ->
// request_builder -> http_client (pager for query/scan) -> output_formatter.
// `watch` is handed to watch_runner (a WebSocket to the notifier), `load`
// and `export` to load_runner and export_runner (many requests).
//
// Output contract (scripts rely on it):
//  - stdout carries results only: with --json each server response body
//    compacted onto one line (one line per page with --all); otherwise the
//    human rendering;
//  - stderr carries `error: CODE: message` lines, plus, in human mode, a
//    hint with the cursor when more pages exist;
//  - exit codes by class, exit_codes.hpp (0 ok, 1 internal, 2 usage,
//    3 not found, 4 conflict, 5 unavailable or no answer, 6 denied,
//    7 partial);
//  - index subcommands print JSON: see index_runner.hpp;
//  - nodes, node drain|undrain (drain --wait): see node_runner.hpp;
//  - load and export: see load_runner.hpp and export_runner.hpp;
//  - transact: a canceled transaction (409) adds one stderr line per op
//    whose condition did not hold (exit 4);
//  - hooks put without --secret generates one and prints it once:
//    `secret: whsec_...` on stdout (on stderr with --json), plus a note on
//    stderr; nothing when the router refused the hook.
#include <iosfwd>

#include "cli_parser.hpp"
#include "index_runner.hpp"
#include "pager.hpp"

namespace ropekv::ctl {

/// Runs `args` with `fetch` as the transport (tests inject a fake), and
/// `env` for `index create --wait` and `node drain --wait`.
int run_command(parsed_args& args, const fetch_fn& fetch, std::istream& in, std::ostream& out,
                std::ostream& err, const index_wait_env& env = {});

/// Runs `args` against the real router named by args.global.
int run_command(parsed_args& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace ropekv::ctl
