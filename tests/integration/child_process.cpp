#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace ropekv::integration {

using namespace std::chrono_literals;

child_process::child_process(const std::vector<std::string>& argv, const std::string& log_path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = getpid();
  // fork + exec rather than posix_spawn for PR_SET_PDEATHSIG: should the
  // test binary crash (no destructor runs), the services die with it
  // instead of lingering. Only async-signal-safe calls after fork().
  pid_ = fork();
  if (pid_ < 0) {
    close(fds[0]);
    close(fds[1]);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    int err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (err < 0 || in < 0 || dup2(fds[1], STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0 ||
        dup2(in, STDIN_FILENO) < 0)
      _exit(127);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  stdout_ = fds[0];
}

child_process::~child_process() {
  stop(5s);
  if (stdout_ >= 0) close(stdout_);
}

std::optional<std::string> child_process::read_line(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || stdout_ < 0) return std::nullopt;
    pollfd p{stdout_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[512];
    ssize_t n = read(stdout_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;  // EOF: the child exited or closed stdout
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

uint16_t child_process::wait_listening(std::chrono::milliseconds limit) {
  const std::string prefix = "listening on 127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = read_line(left);
    if (!line) return 0;
    if (line->rfind(prefix, 0) == 0) return static_cast<uint16_t>(std::stoi(line->substr(prefix.size())));
  }
  return 0;
}

int child_process::stop(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  pid_t done = 0;
  // Polling waitpid: the portable way to wait for a child with a deadline.
  while ((done = waitpid(pid_, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  if (done == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  pid_ = -1;
  return done > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void child_process::kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

bool child_process::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) return false;
  pid_ = -1;
  return true;
}

}  // namespace ropekv::integration
