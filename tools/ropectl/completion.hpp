#pragma once
// completion: shell completion scripts for ropectl, generated from the
// command tree cli_parser builds for CLI11 (so a new subcommand or option
// completes without anyone editing a list). Pure: tree in, script out.
//
// bash: a function that walks the words typed so far down the tree
// (skipping options and the value of an option that takes one) and offers
// the subcommands and options of the node it reached; after an option that
// takes a value, or where the node takes a FILE, it offers file names.
// zsh: the same function through zsh's bashcompinit.
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

struct command_tree {
  std::string name;                        // "ropectl", "tables", "create", ...
  std::vector<std::string> options;        // "--json", "-h", ...
  std::vector<std::string> value_options;  // those of `options` that take a value
  std::vector<std::string> file_options;   // those whose value is a file name
  bool takes_file = false;                 // a positional argument is a file
  std::vector<command_tree> subcommands;
};

/// The script for `shell` ("bash" or "zsh"); errc::invalid_argument for
/// another shell.
result<std::string> completion_script(const command_tree& root, std::string_view shell);

}  // namespace ropekv::ctl
