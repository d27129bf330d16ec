#pragma once
// s3rver (npm, installed by scripts/setup) as a child process for the S3
// store's integration tests: its own data directory, 127.0.0.1 and a port
// it picks (or the one it had, for a restart), one bucket, stopped by PID.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>

#include "child_process.hpp"

namespace ropekv::blob::testing {

/// $ROPEKV_S3RVER, else `s3rver` on $PATH; "" when neither exists.
inline std::string find_s3rver() {
  if (const char* env = std::getenv("ROPEKV_S3RVER"); env && *env) return env;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir) / "s3rver";
    if (::access(candidate.c_str(), X_OK) == 0) return std::filesystem::absolute(candidate).string();
  }
  return {};
}

class s3rver_process {
 public:
  static constexpr const char* bucket = "test-bucket";

  explicit s3rver_process(std::string data_dir) : data_dir_(std::move(data_dir)) {}

  /// Starts it (port 0: it picks one); throws when it does not come up.
  /// `extra`: more s3rver arguments (--key/--cert for https).
  void start(uint16_t port = 0, const std::vector<std::string>& extra = {}) {
    std::string exe = find_s3rver();
    if (exe.empty()) throw std::runtime_error("s3rver not found: run scripts/setup (npm install -g s3rver)");
    // s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3
    // keeps in its legacy provider (Node >= 17 would answer 500 otherwise).
    ::setenv("NODE_OPTIONS", "--openssl-legacy-provider", 1);
    std::vector<std::string> argv{exe, "-d", data_dir_, "-a", "127.0.0.1", "-p", std::to_string(port), "--silent",
                                  "--configure-bucket", bucket};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<integration::child_process>(argv, data_dir_ + ".log");
    // It prints "S3rver listening on 127.0.0.1:<port>" once it serves.
    const std::string marker = "listening on 127.0.0.1:";
    port_ = 0;
    while (auto line = process_->read_line(std::chrono::seconds(30))) {
      if (auto at = line->find(marker); at != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(line->substr(at + marker.size())));
        break;
      }
    }
    if (port_ == 0) throw std::runtime_error("s3rver did not start; see " + data_dir_ + ".log");
  }

  /// SIGTERM by PID and reap.
  void stop() {
    if (process_) process_->stop(std::chrono::seconds(5));
    process_.reset();
  }

  uint16_t port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// Where s3rver keeps the bytes of `full_key` (plain files).
  std::string object_file(const std::string& full_key) const {
    return data_dir_ + "/" + bucket + "/" + full_key + "._S3rver_object";
  }
  std::string metadata_file(const std::string& full_key) const {
    return data_dir_ + "/" + bucket + "/" + full_key + "._S3rver_metadata.json";
  }

 private:
  std::string data_dir_;
  std::unique_ptr<integration::child_process> process_;
  uint16_t port_ = 0;
};

}  // namespace ropekv::blob::testing
