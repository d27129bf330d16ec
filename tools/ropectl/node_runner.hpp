#pragma once
// node_runner: `nodes` and `node drain|undrain ID` against the router,
// through the same fetch function as command_runner.
//
// Output contract (on top of command_runner.hpp's; scripts rely on it):
//  - nodes: the per-node table (format_nodes); --json: the /v1/cluster body;
//  - drain / undrain without --wait: `node N draining: ...` (--json: the
//    router's answer {"node":{...}});
//  - drain --wait: after the POST, GET /v1/cluster every node_poll_interval
//    until the node holds no replica and no move off it is in flight
//    (drain_progress.hpp). Progress on stderr through drain_display (in
//    place on a terminal, a line per change otherwise), then
//    `node N drained: R replicas moved off in 5.2s` on stdout. With --json,
//    stdout carries JSON lines only: progress events (on change) and a
//    summary {"event":"summary","node","drained","initial_replicas",
//    "replicas","moves_in_flight","seconds","exit_code"}, also when the
//    wait fails after it started;
//  - exit: 0 drained; 3 no such node (404 on the POST, or gone from the
//    cluster while waiting); 4 the drain was cancelled while waiting (the
//    node is no longer draining); 5 --timeout passed (the drain goes on in
//    placement) or the router is unavailable. A poll that gets no answer
//    or a retryable status (429, 502, 503, 504) is retried until the
//    deadline; any other error answer ends the wait with its own code.
#include <chrono>
#include <iosfwd>

#include "cli_parser.hpp"
#include "index_runner.hpp"
#include "pager.hpp"

namespace ropekv::ctl {

inline constexpr std::chrono::milliseconds node_poll_interval{250};

/// True for nodes, node_drain and node_undrain.
bool is_node_command(command_kind kind);

/// Runs a node command in `args` with `fetch` as the transport.
int run_node(const parsed_args& args, const fetch_fn& fetch, std::ostream& out, std::ostream& err,
             const index_wait_env& env = {});

}  // namespace ropekv::ctl
