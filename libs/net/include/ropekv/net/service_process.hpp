#pragma once
// What every service's main() does around its actors: reading its
// configuration, structured logging, stopping on SIGTERM/SIGINT, and
// stopping its main actor. One copy for placement, segment-owner, router,
// notifier, indexer and ropekv-dev.
//
//   ropekv::net::stop_signals stop;  // first thing in main(), before any thread
//   if (auto code = ropekv::net::parse_config(cfg, argc, argv)) return *code;
//   ... setup_logging("router", level), start ...
//   int sig = stop.wait();
//   ... stop everything (stop_actor) ...; bound_teardown("router");
#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>
#include <caf/typed_actor.hpp>
#include <pthread.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "ropekv/net/cluster_tls.hpp"
#include "ropekv/net/service_options.hpp"

namespace ropekv::net {

/// For main(): says why the configuration is unusable (on stderr: logging
/// is not set up yet) and gives the exit code for it, 2.
inline int bad_configuration(const std::string& why) {
  std::cerr << "bad configuration: " << why << '\n';
  return 2;
}

/// Reads the command line, the ROPEKV_* environment and the config file
/// into `cfg`, flags first, then environment, then file, then defaults
/// (service_options.hpp; --help says so). Returns the code main() should
/// exit with now -- 2 for a bad configuration, 0 when only the help text
/// was asked for (and printed) -- or nothing to go on.
inline std::optional<int> parse_config(caf::actor_system_config& cfg, int argc, char** argv) {
  std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  if (auto code = load_options(cfg, std::move(args), env, std::cout, std::cerr)) return code;
  // Mutual TLS between services: checked here, once for every service.
  if (auto why = apply_cluster_tls(cfg); !why.empty()) return bad_configuration(why);
  return std::nullopt;
}

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

/// Sends `actor` an exit (user_shutdown) and waits up to `limit` for it to
/// end, so that what it closes on exit (files, sockets) is closed on return.
/// False, logged as event=stop_timeout svc=<svc>, if it did not end in time.
inline bool stop_actor(caf::actor_system& sys, const caf::actor& actor, const char* svc,
                       std::chrono::seconds limit = std::chrono::seconds(5)) {
  caf::scoped_actor self{sys};
  bool stopped = true;
  self->monitor(actor);
  self->send_exit(actor, caf::exit_reason::user_shutdown);
  self->receive([](caf::down_msg&) {},
                caf::after(limit) >> [&stopped, svc] {
                  spdlog::error("event=stop_timeout svc={}", svc);
                  stopped = false;
                });
  return stopped;
}

template <class... Sigs>
bool stop_actor(caf::actor_system& sys, const caf::typed_actor<Sigs...>& actor, const char* svc,
                std::chrono::seconds limit = std::chrono::seconds(5)) {
  return stop_actor(sys, caf::actor_cast<caf::actor>(actor), svc, limit);
}

/// A CAF timespan (or any duration) as whole milliseconds.
template <class Duration>
std::chrono::milliseconds to_ms(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace ropekv::net
