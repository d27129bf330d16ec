#pragma once
// run_in_pty: runs a program with its stdin, stdout and stderr on a fresh
// pseudo-terminal (forkpty), so it believes it talks to a terminal, and
// collects everything it wrote there until it exits. Killed (SIGKILL, by
// PID) after `limit`, then exit_code is -1. The terminal is 120 columns
// wide. The pty's line discipline turns "\n" into "\r\n".
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace ropekv::ctl::test {

struct pty_result {
  int exit_code = -1;
  std::string output;  // stdout and stderr as the terminal got them
};

inline pty_result run_in_pty(const std::vector<std::string>& argv, const std::vector<std::string>& env_add = {},
                             const std::vector<std::string>& env_unset = {},
                             std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  winsize ws{};
  ws.ws_col = 120;
  ws.ws_row = 40;
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  if (pid < 0) throw std::runtime_error("forkpty failed");
  if (pid == 0) {
    for (const auto& name : env_unset) unsetenv(name.c_str());
    for (const auto& e : env_add) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  pty_result r;
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(master, chunk, sizeof chunk);
    if (n <= 0) break;  // EIO once the child and its terminal are gone
    r.output.append(chunk, static_cast<size_t>(n));
  }
  close(master);
  int status = 0;
  if (std::chrono::steady_clock::now() >= deadline) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return r;
  }
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace ropekv::ctl::test
