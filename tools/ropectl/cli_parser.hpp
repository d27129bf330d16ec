#pragma once
// cli_parser: argv -> (global_options, command), with CLI11.
//
// Owns the whole command-line grammar (subcommands, options, their checks
// and help text); nothing else in ropectl knows about CLI11. Global options
// are accepted before or after the subcommand. Checks that are fixed by the
// API (choices such as --if absent|exists, exclusive options) fail here as
// usage errors; value ranges the router owns (replication, key sizes) are
// left to the router, so there is one source of truth for them.
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "completion.hpp"
#include "exit_codes.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::ctl {


struct parsed_args {
  global_options global;
  command cmd;
};

struct parse_outcome {
  std::optional<parsed_args> args;  // absent: exit with exit_code
  int exit_code = exit_ok;          // exit_ok after --help, exit_usage on errors
  std::string out;                  // text for stdout (help)
  std::string err;                  // text for stderr (usage errors)
};

/// The write tokens of `index query --after` arguments: each argument is
/// one token or several separated by commas (tokens are base64url, so a
/// comma never belongs to one). errc::invalid_argument for an empty token.
result<std::vector<std::string>> split_write_tokens(const std::vector<std::string>& args);

/// The whole grammar as a tree (subcommands, options), for completion
/// scripts and their tests.
command_tree cli_command_tree();

/// `router_env`, `notifier_env`, `token_env`: the values of $ROPEKV_ROUTER,
/// $ROPEKV_NOTIFIER and $ROPEKV_TOKEN (nullptr when unset).
parse_outcome parse_args(const std::vector<std::string>& argv, const char* router_env,
                         const char* notifier_env = nullptr, const char* token_env = nullptr);

}  // namespace ropekv::ctl
