#pragma once
// Helpers for the "faults get clear answers" tests (issue 14, item 4):
// size-limited tmpfs mounts for owners' data dirs, a filler that takes a
// filesystem's last byte, and reading one owner's per-segment gauges.
//
// tmpfs_mounts owns its mount points: the destructor unmounts every one
// (lazily, so a process still holding a file cannot keep it mounted) and
// removes the directories, also when the test failed. Declare it before
// the cluster_harness so the owners are stopped first.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace ropekv::integration {

class tmpfs_mounts {
 public:
  tmpfs_mounts() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/ropekv-tmpfs-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) root_ = tmpl;
  }
  ~tmpfs_mounts() {
    for (const auto& m : mounted_) ::umount2(m.c_str(), MNT_DETACH);
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
  }
  tmpfs_mounts(const tmpfs_mounts&) = delete;
  tmpfs_mounts& operator=(const tmpfs_mounts&) = delete;

  /// Mounts a tmpfs of `size` (e.g. "24m") at <root>/<name>; the path, or
  /// nullopt with why() set when this process may not mount.
  std::optional<std::string> mount(const std::string& name, const std::string& size) {
    if (root_.empty()) {
      why_ = "mkdtemp failed";
      return std::nullopt;
    }
    std::string dir = root_ + "/" + name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string opts = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      why_ = "mount -t tmpfs -o " + opts + " " + dir + ": " + std::strerror(errno);
      return std::nullopt;
    }
    mounted_.push_back(dir);
    return dir;
  }
  const std::string& why() const noexcept { return why_; }

 private:
  std::string root_;
  std::vector<std::string> mounted_;
  std::string why_;
};

/// Writes <dir>/filler until the filesystem refuses (ENOSPC); the bytes written.
inline uint64_t fill_disk(const std::string& dir) {
  std::string path = dir + "/filler";
  FILE* f = std::fopen(path.c_str(), "ab");
  if (f == nullptr) return 0;
  std::setvbuf(f, nullptr, _IONBF, 0);
  std::vector<char> block(64 * 1024, 'x');
  uint64_t written = 0;
  for (;;) {
    size_t n = std::fwrite(block.data(), 1, block.size(), f);
    written += n;
    if (n < block.size()) break;
  }
  // Smaller pieces take what a partial block left.
  for (size_t piece = 4096; piece > 0; piece /= 8) {
    while (std::fwrite(block.data(), 1, piece, f) == piece) written += piece;
    std::clearerr(f);
  }
  std::fclose(f);
  return written;
}

inline void free_disk(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove(dir + "/filler", ec);
}

/// Value of `family{...segment="<segment>"...}` in a Prometheus text page
/// (the first such sample), nullopt when absent.
inline std::optional<double> segment_gauge(const std::string& page, const std::string& family, uint64_t segment) {
  std::istringstream in(page);
  const std::string label = "segment=\"" + std::to_string(segment) + "\"";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    return std::strtod(line.c_str() + space + 1, nullptr);
  }
  return std::nullopt;
}

/// Value of an unlabelled (or first labelled) sample of `family`.
inline std::optional<double> metric_value(const std::string& page, const std::string& family) {
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family, 0) != 0) continue;
    char next = line.size() > family.size() ? line[family.size()] : '\0';
    if (next != ' ' && next != '{') continue;
    auto space = line.rfind(' ');
    return std::strtod(line.c_str() + space + 1, nullptr);
  }
  return std::nullopt;
}

/// Lines of a log file that contain `needle`.
inline size_t count_lines(const std::string& path, const std::string& needle) {
  std::ifstream in(path);
  size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find(needle) != std::string::npos) ++n;
  return n;
}

}  // namespace ropekv::integration
