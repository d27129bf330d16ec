#pragma once
// The command line of the bench clients (ropekv-loadgen, ropekv-index-bench,
// ropekv-txn-bench, ropekv-ws-bench): `--name value` and `--name=value`
// options, bare flags each program names, numbers, unknown options refused,
// and the shared start of their main(): --help, exit 2 on a bad command
// line. Pure code (test/command_line_test.cpp).
#include <cstdio>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ropekv::bench {

/// The options of one command line, consumed one by one by the parser
/// (take/number/flag); whatever is left over is an unknown option.
/// Every error is std::invalid_argument with a message for the user.
class option_map {
 public:
  /// Throws on an argument that is not an option (no leading "--") or an
  /// option other than a flag with no value after it. A later occurrence
  /// of an option replaces an earlier one.
  explicit option_map(const std::vector<std::string>& argv, std::initializer_list<std::string> flags = {});

  /// Whether the flag `--name` was given (flags take no value).
  bool flag(const std::string& name);
  /// The value of `--name`, or `dflt` when absent.
  std::string take(const std::string& name, std::string dflt);
  /// The value of `--name` as a number >= 0 (all of it must parse), or
  /// `dflt` when absent or empty.
  double number(const std::string& name, double dflt);
  /// The same, negative numbers allowed.
  double signed_number(const std::string& name, double dflt);
  /// Throws "unknown option --x" when an option was not consumed.
  void expect_consumed() const;

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_given_;
};

/// A key prefix unique per run: `stem` + the wall clock in milliseconds
/// (modulo 10^11) + "-".
std::string clock_key_prefix(const std::string& stem);

/// What the start of a bench client's main() decided: run `spec`, or exit
/// with `exit_code` (0 after --help, 2 after a bad command line).
template <class Spec>
struct command_line {
  std::optional<Spec> spec;
  int exit_code = 0;
};

/// `--help` or `-h` as the first argument prints `usage` on stdout; a
/// command line `parse` (vector of arguments -> Spec) throws on is reported
/// as "<program>: <why> (see --help)" on stderr.
template <class Parse>
auto parse_command_line(int argc, char** argv, const char* program, const char* usage, Parse parse)
    -> command_line<decltype(parse(std::vector<std::string>{}))> {
  command_line<decltype(parse(std::vector<std::string>{}))> out;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(usage, stdout);
    return out;
  }
  try {
    out.spec = parse(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program, e.what());
    out.exit_code = 2;
  }
  return out;
}

}  // namespace ropekv::bench
