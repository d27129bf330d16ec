#pragma once
// Thin POSIX helpers for the directory store and for downloads to local
// files: an owning descriptor, whole writes, fsync of a directory, errno to
// errc. Everything returns result/status; nothing throws.
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::blob {

/// An open file descriptor, closed on destruction.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  ~unique_fd();
  unique_fd(unique_fd&& o) noexcept : fd_(o.release()) {}
  unique_fd& operator=(unique_fd&& o) noexcept;
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  int get() const { return fd_; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// The error for a failed system call on `path`, errno mapped to errc
/// (ENOENT not_found, ENOSPC/EDQUOT insufficient_storage, else io_error).
error errno_error(int err, std::string_view what, const std::string& path);

status write_all(int fd, std::string_view bytes, const std::string& path);
/// Reads up to buf.size() bytes (short only at end of file); the count read.
result<size_t> read_some(int fd, char* buf, size_t size, const std::string& path);
status fsync_fd(int fd, const std::string& path);
/// fsync of a directory, so that a rename or create in it is durable.
status fsync_dir(const std::string& dir);
/// mkdir -p; every directory it creates is made durable in its parent.
status make_dirs(const std::string& dir);
/// The directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string parent_dir(const std::string& path);
/// A name no other process or thread of this host picks at the same time.
std::string unique_temp_name();

}  // namespace ropekv::blob
