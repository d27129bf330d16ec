#pragma once
// webhook_receiver: a real HTTP server on 127.0.0.1 for the webhook tests,
// on its own thread. It answers 500 to the first `fail_first` requests and
// 204 afterwards, records every request, and can go down (its port stops
// accepting: connection refused) and come back on the same port.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ropekv::integration {

struct received_hook {
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  unsigned answered = 0;                       // the status it got
};

class webhook_receiver {
 public:
  explicit webhook_receiver(unsigned fail_first = 0);
  ~webhook_receiver();
  webhook_receiver(const webhook_receiver&) = delete;
  webhook_receiver& operator=(const webhook_receiver&) = delete;

  uint16_t port() const noexcept { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  /// Stop accepting (clients get connection refused) / accept again.
  void go_down();
  void come_back();
  std::vector<received_hook> received() const;

 private:
  void serve();
  bool open();

  std::atomic<unsigned> fail_first_;
  uint16_t port_ = 0;
  std::atomic<int> listen_fd_{-1};
  std::atomic<bool> down_{false};
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<received_hook> received_;
  std::thread thread_;
};

}  // namespace ropekv::integration
