// ropectl: the RopeKV command-line client. Parses the command line and hands
// the command to command_runner; see cli_parser.hpp for the grammar and
// command_runner.hpp, index_runner.hpp and watch_runner.hpp for the output
// and exit-code contracts.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cli_parser.hpp"
#include "command_runner.hpp"

int main(int argc, char** argv) {
  using namespace ropekv::ctl;
  std::vector<std::string> args(argv, argv + argc);
  auto parsed = parse_args(args, std::getenv("ROPEKV_ROUTER"), std::getenv("ROPEKV_NOTIFIER"),
                           std::getenv("ROPEKV_TOKEN"));
  std::cout << parsed.out;
  std::cerr << parsed.err;
  if (!parsed.args) return parsed.exit_code;
  const command& cmd = parsed.args->cmd;
  // Waiting silently for a terminal to type an item looks like a hang.
  if (cmd.kind == command_kind::put && !cmd.item_arg && isatty(STDIN_FILENO)) {
    std::cerr << "error: usage: put needs --item JSON, --item @file, or the item on stdin\n";
    return exit_usage;
  }
  if (cmd.kind == command_kind::transact && cmd.transaction_file == "-" && isatty(STDIN_FILENO)) {
    std::cerr << "error: usage: transact - reads the transaction from stdin (pipe it in, or give a file)\n";
    return exit_usage;
  }
  if (cmd.kind == command_kind::load && cmd.bulk.file == "-" && isatty(STDIN_FILENO)) {
    std::cerr << "error: usage: load - reads items from stdin (pipe them in, or give a file)\n";
    return exit_usage;
  }
  return run_command(*parsed.args, std::cin, std::cout, std::cerr);
}
