#pragma once
// cli_bulk: the part of the command-line grammar for bulk transfer (load,
// export) and shell completion, and the reading of the CLI11 tree that
// completion scripts are generated from. Used by cli_parser only (CLI11
// stays inside the parser's files).
#include <string>

#include "command.hpp"
#include "completion.hpp"

namespace CLI {
class App;
}

namespace ropekv::ctl {

/// Adds `load` and `export` (filling cmd) and `completion SHELL` (filling
/// `completion_shell`).
void add_bulk_commands(CLI::App& app, command& cmd, std::string& completion_shell);

/// The subcommands and options of `app`, recursively.
command_tree describe_app(const CLI::App& app);

}  // namespace ropekv::ctl
