#pragma once
// reload_signal: runs a function on every SIGHUP (the router and the
// notifier reload their TLS certificate and key with it).
//
//   ropekv::net::stop_signals stop;     // first thing in main()
//   ropekv::net::reload_signal hup;     // also before any thread starts
//   ...
//   hup.start([&] { creds->reload(); }); // once the thing to reload exists
//
// Like stop_signals it blocks the signal in the constructing thread, so that
// every thread started afterwards (CAF, Asio) inherits the mask and only the
// watcher thread receives it. Without start() a SIGHUP stays pending and is
// ignored (it no longer kills the process). The function runs on the
// watcher thread, one call at a time.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace ropekv::net {

class reload_signal {
 public:
  reload_signal() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }
  ~reload_signal() {
    if (!watcher_.joinable()) return;
    done_ = true;
    pthread_kill(watcher_.native_handle(), SIGHUP);  // wakes sigwait
    watcher_.join();
  }
  reload_signal(const reload_signal&) = delete;
  reload_signal& operator=(const reload_signal&) = delete;

  /// Starts the watcher thread; call once.
  void start(std::function<void()> on_hup) {
    watcher_ = std::thread([this, fn = std::move(on_hup)] {
      for (;;) {
        int sig = 0;
        sigwait(&set_, &sig);
        if (done_) return;
        fn();
      }
    });
  }

 private:
  sigset_t set_;
  std::atomic<bool> done_{false};
  std::thread watcher_;
};

}  // namespace ropekv::net
