#pragma once
// watch_runner: `ropectl watch` -- subscribe on the notifier's WebSocket and
// print events until told to stop.
//
// Output contract (scripts rely on it):
//  - stdout: one line per event, the human form of watch_frames'
//    format_event, or with --json each event frame as received (compacted
//    onto one line, numbers verbatim, if it spans lines), flushed per event
//    so a pipe sees it at once;
//  - stderr: `error: CODE: message` lines, and on every exit after the
//    subscription was sent (or with --from) `resume token: TOKEN`: the token
//    of the last event, else of `subscribed`, else the --from one;
//  - exit 0 after --count events or SIGINT/SIGTERM; on an error frame the
//    exit code of its code (exit_codes.hpp: unknown_table and
//    feed_compacted 3, bad_token 2, slow_consumer 5, ...), likewise for a
//    refused upgrade; 1 for a frame that is not JSON; 5 after --timeout
//    seconds without an event (counted from the start, then from each
//    event), when the notifier cannot be reached or the connection is
//    lost.
#include <iosfwd>

#include "cli_parser.hpp"
#include "frame_stream.hpp"

namespace ropekv::ctl {

/// Runs the watch in `args` over `stream`, already connected.
int run_watch(const parsed_args& args, frame_stream& stream, std::ostream& out, std::ostream& err);

/// Connects to args.cmd.watch.notifier_url (within the global --timeout,
/// default 10 s), catching SIGINT and SIGTERM, and runs the watch.
int run_watch(const parsed_args& args, std::ostream& out, std::ostream& err);

}  // namespace ropekv::ctl
