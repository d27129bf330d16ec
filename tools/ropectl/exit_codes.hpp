#pragma once
// exit_codes: ropectl's exit status, one per class of outcome a script
// reacts to differently (retry, give up, create the table first, ...), and
// the one mapping from the router's (or the notifier's) error answers to
// it. Every command goes through here, so the same failure exits the same
// way whichever command met it.
//
//   0 ok
//   1 internal: an unexpected answer (500, a body that is not JSON, a code
//     this version does not know)
//   2 usage: a bad command line or input, or the server refused the
//     request as malformed (400, 405, 413)
//   3 not found: no such table, item, index or hook (404; also 410
//     version_gone and a compacted feed: what was asked for is gone)
//   4 condition failed or conflict (409, 412: a condition, an existing
//     name, a canceled transaction)
//   5 unavailable or timeout, retryable: no answer, 429, 502, 503, 504
//   6 unauthenticated or forbidden (401, 403; from a proxy in front)
//   7 partial failure: `load` finished but some items were not written
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_not_found = 3;
inline constexpr int exit_conflict = 4;
inline constexpr int exit_unavailable = 5;
inline constexpr int exit_denied = 6;
inline constexpr int exit_partial = 7;

/// The exit status for an error answer: by its JSON error `code` when the
/// code is a known one, else by the HTTP `status` (0: no status, e.g. a
/// WebSocket error frame).
int exit_code_for(unsigned status, std::string_view code);

/// The exit status for a non-2xx answer with this body (the v1 error
/// object {"error":{"code":...}}, or anything else).
int exit_code_for_reply(unsigned status, std::string_view body);

/// The exit status for a failure that is not an answer: unavailable and
/// timeout are 5, invalid_argument 2, anything else 1.
int exit_code_for(const error& e);

/// True for the answers a client should retry after a pause: 429, 502,
/// 503, 504.
bool is_retryable_status(unsigned status);

/// The text of the exit-status table for --help and docs.
std::string_view exit_code_help();

}  // namespace ropekv::ctl
