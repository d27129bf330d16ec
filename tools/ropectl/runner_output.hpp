#pragma once
// runner_output: the pieces of command_runner.hpp's output contract that
// more than one runner prints (command_runner, index_runner): JSON bodies
// on stdout, failures on stderr with their exit code.
#include <iosfwd>
#include <string>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

inline bool is_success(unsigned status) { return status >= 200 && status <= 299; }

/// A failure that is not a router error response: no HTTP answer
/// (errc::unavailable, errc::timeout: `error: unreachable|timeout: ...`,
/// exit_unavailable) or a malformed one (`error: CODE: ...`, exit_internal).
/// Returns the exit code (exit_codes.hpp).
int report_failure(const error& e, std::ostream& err);

/// A non-2xx answer: `error: CODE: message` on `err`; returns its exit code
/// (exit_code_for_reply).
int report_reply(unsigned status, const std::string& body, std::ostream& err);

/// The body compacted onto one line, numbers verbatim; a body that is not
/// JSON (a plain-text health check) as received. Nothing for an empty body.
void print_json(const std::string& body, std::ostream& out);

}  // namespace ropekv::ctl
