#pragma once
// shell: runs one system tool (ip, nft, tc, mount, ...) to completion and
// returns its exit code and output. argv, no shell: nothing is quoted or
// expanded. Used by the chaos suite's fabric and nemeses.
#include <string>
#include <vector>

namespace ropekv::chaos {

struct command_result {
  int code = -1;       // exit code; -1 when it could not run or died of a signal
  std::string output;  // stdout and stderr together
  bool ok() const noexcept { return code == 0; }
};

command_result run_command(const std::vector<std::string>& argv);

/// run_command that throws std::runtime_error (with the output) unless it succeeds.
std::string must_run(const std::vector<std::string>& argv);

/// argv joined with spaces, for logs and error messages.
std::string join_args(const std::vector<std::string>& argv);

}  // namespace ropekv::chaos
