#pragma once
// What every service's main() does around its actors: structured logging,
// and stopping on SIGTERM/SIGINT. One copy for placement, segment-owner,
// router, notifier and ropekv-dev.
//
//   ropekv::net::stop_signals stop;  // first thing in main(), before any thread
//   ... parse options, setup_logging("router", level), start ...
//   int sig = stop.wait();
//   ... stop everything ...; bound_teardown("router");
#include <pthread.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace ropekv::net {

/// key=value lines on stderr, one logger per process named `service` (stdout
/// carries only the lines harnesses wait for, like "listening on ...").
inline void setup_logging(const std::string& service, const std::string& level) {
  auto logger = spdlog::stderr_logger_mt(service);
  logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l svc=" + service + " %v",
                      spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

/// Blocks SIGTERM and SIGINT in the constructing thread. Construct it before
/// CAF or Asio start threads (they inherit the mask), so that only wait()
/// ever sees the signals.
class stop_signals {
 public:
  stop_signals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  /// Waits for one of them; returns its number.
  int wait() const {
    int sig = 0;
    sigwait(&set_, &sig);
    return sig;
  }

 private:
  sigset_t set_;
};

/// Call once everything is stopped and every file closed, just before the
/// actor system is destroyed: CAF 0.17.6 can deadlock in ~actor_system
/// after detached actors ended (actor-framework#1196, fixed in 0.18), so its
/// teardown gets a bounded time, after which the process exits with `code`.
inline void bound_teardown(const std::string& service, int code = 0) {
  std::thread([service, code] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    std::fprintf(stderr, "level=warn svc=%s event=teardown_stuck action=exit\n", service.c_str());
    std::_Exit(code);
  }).detach();
}

/// A CAF timespan (or any duration) as whole milliseconds.
template <class Duration>
std::chrono::milliseconds to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace ropekv::net
