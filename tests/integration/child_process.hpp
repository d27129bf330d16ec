#pragma once
// child_process: one service executable started for an integration test.
//
// Owns the process (by PID) and the read end of its stdout pipe; stderr is
// appended to a log file so a failing test can print the tails. The
// destructor stops the process (SIGTERM, SIGKILL after a bound), so a test
// that fails half-way never leaves a service running.
// Not thread-safe: one test thread drives it.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ropekv::integration {

class child_process {
 public:
  /// Starts argv[0] (an absolute path) with stderr appended to `log_path`;
  /// it is SIGKILLed should this process die first. Throws
  /// std::runtime_error when it cannot fork; an exec failure shows as an
  /// immediate exit (wait_listening() answers 0).
  child_process(const std::vector<std::string>& argv, const std::string& log_path);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  bool running() const noexcept { return pid_ > 0; }

  /// The next line the child writes on stdout, or nullopt at EOF or after `limit`.
  std::optional<std::string> read_line(std::chrono::milliseconds limit);

  /// The port of the first "listening on 127.0.0.1:<port>" line, 0 when
  /// none arrives within `limit` (the child exited or is still starting).
  uint16_t wait_listening(std::chrono::milliseconds limit);

  /// SIGTERM, then SIGKILL after `grace`. The exit code; -1 when it had to
  /// be killed, died of a signal, or was not running.
  int stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

  /// kill -9 and reap: the process gets no chance to close anything.
  void kill9();

  /// True once the process has exited (reaps it).
  bool exited();

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

}  // namespace ropekv::integration
