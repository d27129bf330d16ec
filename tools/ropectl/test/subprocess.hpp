#pragma once
// run_process: runs a program to completion for the end-to-end tests, with
// the given stdin text and environment, collecting stdout, stderr and the
// exit code. A child still running after `limit` is killed (SIGKILL, by
// PID) and reported with exit code -1, so a hung ropectl fails the test
// instead of hanging it. `on_output`, when given, sees the child's PID and
// the output so far after each read, e.g. to signal it once it printed
// something.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace ropekv::ctl::test {

struct process_result {
  int exit_code = -1;  // -1: killed or did not exit normally
  int signal = 0;      // the signal that ended it, if one did
  std::string out;
  std::string err;
};

/// `env_unset`: variables removed from the inherited environment;
/// `env_add`: "NAME=value" entries added after that.
inline process_result run_process(const std::vector<std::string>& argv, const std::string& stdin_text = {},
                                  const std::vector<std::string>& env_add = {},
                                  const std::vector<std::string>& env_unset = {},
                                  std::chrono::milliseconds limit = std::chrono::seconds(30),
                                  const std::function<void(pid_t, const process_result&)>& on_output = {}) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool drop = false;
    for (const auto& name : env_unset) drop = drop || entry.starts_with(name + "=");
    if (!drop) env_strings.push_back(entry);
  }
  env_strings.insert(env_strings.end(), env_add.begin(), env_add.end());
  std::vector<char*> envp, args;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }

  // Feed stdin and drain both outputs together: a child blocked on a full
  // pipe would otherwise never exit.
  signal(SIGPIPE, SIG_IGN);
  size_t written = 0;
  int in_fd = in[1];
  if (stdin_text.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  process_result result;
  bool out_open = true, err_open = true;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fds[3] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
    if (poll(fds, 3, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    for (int i = 0; i < 2; ++i) {
      if (!fds[i].revents) continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) (i == 0 ? result.out : result.err).append(chunk, static_cast<size_t>(n));
      else (i == 0 ? out_open : err_open) = false;
      if (n > 0 && on_output) on_output(pid, result);
    }
    if (in_fd >= 0 && fds[2].revents) {
      ssize_t n = write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n <= 0 || written == stdin_text.size()) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out[0]);
  close(err[0]);
  int status = 0;
  if (out_open || err_open) {  // deadline passed
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return result;
  }
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

}  // namespace ropekv::ctl::test
