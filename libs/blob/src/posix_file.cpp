#include "posix_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace ropekv::blob {

unique_fd::~unique_fd() {
  if (fd_ >= 0) ::close(fd_);
}

unique_fd& unique_fd::operator=(unique_fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

error errno_error(int err, std::string_view what, const std::string& path) {
  errc code = errc::io_error;
  if (err == ENOENT) code = errc::not_found;
  if (err == ENOSPC || err == EDQUOT) code = errc::insufficient_storage;
  return make_error(code, std::string(what) + " " + path + ": " + std::strerror(err));
}

status write_all(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

result<size_t> read_some(int fd, char* buf, size_t size, const std::string& path) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, buf + got, size - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "read", path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

status fsync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return errno_error(errno, "fsync", path);
  return {};
}

status fsync_dir(const std::string& dir) {
  unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return errno_error(errno, "open directory", dir);
  return fsync_fd(fd.get(), dir);
}

std::string parent_dir(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

status make_dirs(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return {};
    return make_error(errc::invalid_argument, dir + " exists and is not a directory");
  }
  if (errno != ENOENT) return errno_error(errno, "stat", dir);
  std::string parent = parent_dir(dir);
  if (parent != dir) {
    if (auto s = make_dirs(parent); !s) return s;
  }
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_error(errno, "mkdir", dir);
  return fsync_dir(parent);
}

std::string unique_temp_name() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  char buf[96];
  std::snprintf(buf, sizeof buf, "%d-%llx-%llu", static_cast<int>(::getpid()),
                static_cast<unsigned long long>(salt), static_cast<unsigned long long>(counter++));
  return buf;
}

}  // namespace ropekv::blob
