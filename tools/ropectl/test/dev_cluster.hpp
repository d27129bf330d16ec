#pragma once
// A ropekv-dev process for ropectl's end-to-end suites: started once per
// suite on 127.0.0.1 with ports it picks, on a temp data dir, and stopped
// by PID (SIGTERM, then SIGKILL) when the suite ends.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ropekv/test_support/child_process.hpp"
#include "ropekv/test_support/temp_dir.hpp"

namespace ropekv::ctl::test {

class dev_cluster {
 public:
  /// Starts ropekv-dev with `extra` flags; `healthy(router)` is polled
  /// (e.g. `ropectl health`) until it holds. router() is empty when the
  /// process printed no address or never became healthy within 60 s.
  dev_cluster(const std::vector<std::string>& extra, const std::function<bool(const std::string&)>& healthy) {
    using namespace std::chrono_literals;
    std::vector<std::string> args{ROPEKV_DEV_BIN, "--http-port=0", "--ws-port=0", "--data-dir=" + dir_.file("data"),
                                  "--log-level=error"};
    args.insert(args.end(), extra.begin(), extra.end());
    process_ = std::make_unique<test_support::child_process>(args);
    auto line = process_->read_line(60s);
    const std::string prefix = "listening on 127.0.0.1:";
    if (!line || !line->starts_with(prefix)) return;
    std::string url = "http://127.0.0.1:" + line->substr(prefix.size());
    for (auto deadline = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(200ms)) {
      if (healthy(url)) {
        router_ = url;
        return;
      }
    }
  }

  const std::string& router() const noexcept { return router_; }
  test_support::temp_dir& dir() noexcept { return dir_; }

 private:
  test_support::temp_dir dir_;
  std::unique_ptr<test_support::child_process> process_;
  std::string router_;
};

}  // namespace ropekv::ctl::test
