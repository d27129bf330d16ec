#include "dir_store.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "blob_key.hpp"
#include "posix_file.hpp"
#include "sha256.hpp"

namespace ropekv::blob {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view tmp_dir_name = ".ropekv-tmp";
constexpr size_t copy_block = 1 << 20;
// Temporary files older than this are a crashed writer's and are deleted at
// open; younger ones may belong to another process writing right now.
constexpr auto stale_temp_age = std::chrono::hours(1);

result<std::string> read_sha_xattr(int fd, const std::string& path) {
  char buf[128];
  ssize_t n = ::fgetxattr(fd, sha256_xattr, buf, sizeof buf);
  if (n < 0) {
    if (errno == ENODATA) return make_error(errc::corrupt, path + ": no checksum recorded");
    return errno_error(errno, "getxattr", path);
  }
  return std::string(buf, static_cast<size_t>(n));
}

status set_sha_xattr(int fd, const std::string& sha, const std::string& path) {
  if (::fsetxattr(fd, sha256_xattr, sha.data(), sha.size(), 0) != 0) return errno_error(errno, "setxattr", path);
  return {};
}

class dir_store final : public blob_store {
 public:
  explicit dir_store(std::string root) : root_(std::move(root)), tmp_dir_(root_ + "/" + std::string(tmp_dir_name)) {}

  status open() {
    if (auto s = make_dirs(tmp_dir_); !s) return s;
    if (auto s = probe_xattr(); !s) return s;
    remove_stale_temps();
    return {};
  }

  status put(const std::string& key, std::string_view bytes) override {
    if (auto s = check_key(key); !s) return s;
    return write_object(key, [&](int fd, const std::string& tmp, sha256_stream& sha) -> status {
      sha.update(bytes);
      return write_all(fd, bytes, tmp);
    });
  }

  status put_file(const std::string& key, const std::string& local_path) override {
    if (auto s = check_key(key); !s) return s;
    unique_fd in(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) return errno_error(errno, "open", local_path);
    return write_object(key, [&](int fd, const std::string& tmp, sha256_stream& sha) -> status {
      std::string buf(copy_block, '\0');
      for (;;) {
        auto n = read_some(in.get(), buf.data(), buf.size(), local_path);
        if (!n) return std::move(n).error();
        if (*n == 0) return {};
        std::string_view chunk(buf.data(), *n);
        sha.update(chunk);
        if (auto s = write_all(fd, chunk, tmp); !s) return s;
      }
    });
  }

  result<std::string> get(const std::string& key) override {
    if (auto s = check_key(key); !s) return std::move(s).error();
    std::string path = object_path(key);
    auto fd = open_object(path);
    if (!fd) return std::move(fd).error();
    auto expected = read_sha_xattr(fd->get(), path);
    if (!expected) return std::move(expected).error();
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return errno_error(errno, "stat", path);
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    auto n = read_some(fd->get(), bytes.data(), bytes.size(), path);
    if (!n) return std::move(n).error();
    bytes.resize(*n);  // shorter if truncated meanwhile: the checksum decides
    if (std::string actual = sha256_hex(bytes); actual != *expected) {
      return make_error(errc::corrupt, "checksum mismatch for " + key + ": recorded " + *expected + ", read " + actual);
    }
    return bytes;
  }

  status get_file(const std::string& key, const std::string& local_path) override {
    if (auto s = check_key(key); !s) return s;
    std::string path = object_path(key);
    auto src = open_object(path);
    if (!src) return std::move(src).error();
    auto expected = read_sha_xattr(src->get(), path);
    if (!expected) return std::move(expected).error();
    // Written next to the destination, renamed over it only once verified.
    std::string tmp = local_path + std::string(reserved_name_prefix) + unique_temp_name();
    unique_fd out(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!out.valid()) return errno_error(errno, "create", tmp);
    auto fail = [&](error e) -> status { ::unlink(tmp.c_str()); return e; };
    sha256_stream sha;
    std::string buf(copy_block, '\0');
    for (;;) {
      auto n = read_some(src->get(), buf.data(), buf.size(), path);
      if (!n) return fail(std::move(n).error());
      if (*n == 0) break;
      std::string_view chunk(buf.data(), *n);
      sha.update(chunk);
      if (auto s = write_all(out.get(), chunk, tmp); !s) return fail(std::move(s).error());
    }
    if (std::string actual = sha.hex_digest(); actual != *expected) {
      return fail(make_error(errc::corrupt, "checksum mismatch for " + key + ": recorded " + *expected + ", read " + actual));
    }
    if (auto s = fsync_fd(out.get(), tmp); !s) return fail(std::move(s).error());
    out = unique_fd();
    if (::rename(tmp.c_str(), local_path.c_str()) != 0) return fail(errno_error(errno, "rename to", local_path));
    return fsync_dir(parent_dir(local_path));
  }

  result<blob_info> stat(const std::string& key) override {
    if (auto s = check_key(key); !s) return std::move(s).error();
    std::string path = object_path(key);
    auto fd = open_object(path);
    if (!fd) return std::move(fd).error();
    struct stat st {};
    if (::fstat(fd->get(), &st) != 0) return errno_error(errno, "stat", path);
    auto sha = read_sha_xattr(fd->get(), path);
    if (!sha) return std::move(sha).error();
    return blob_info{key, static_cast<uint64_t>(st.st_size), std::move(*sha)};
  }

  result<std::vector<blob_info>> list(const std::string& prefix) override {
    if (auto s = check_prefix(prefix); !s) return std::move(s).error();
    // Only the directory the prefix's complete components name can hold
    // matches; walking from there keeps a narrow list cheap.
    std::string start = root_;
    if (auto slash = prefix.find_last_of('/'); slash != std::string::npos) start += "/" + prefix.substr(0, slash);
    std::vector<blob_info> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(start, fs::directory_options::none, ec), end;
    if (ec) {
      if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return out;
      return make_error(errc::io_error, "list " + start + ": " + ec.message());
    }
    for (; it != end; it.increment(ec)) {
      if (ec) return make_error(errc::io_error, "list " + start + ": " + ec.message());
      const fs::path& p = it->path();
      std::string rel = p.string().substr(root_.size() + 1);
      if (it.depth() == 0 && start == root_ && p.filename() == tmp_dir_name) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || rel.compare(0, prefix.size(), prefix) != 0) continue;
      unique_fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) continue;  // removed while listing
      struct stat st {};
      if (::fstat(fd.get(), &st) != 0) continue;
      auto sha = read_sha_xattr(fd.get(), p.string());
      out.push_back(blob_info{std::move(rel), static_cast<uint64_t>(st.st_size), sha ? std::move(*sha) : std::string()});
    }
    std::sort(out.begin(), out.end(), [](const blob_info& a, const blob_info& b) { return a.key < b.key; });
    return out;
  }

  status remove(const std::string& key) override {
    if (auto s = check_key(key); !s) return s;
    std::string path = object_path(key);
    if (::unlink(path.c_str()) != 0) {
      // Missing, or a "directory" of other keys: no object of that key.
      if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return {};
      return errno_error(errno, "unlink", path);
    }
    return fsync_dir(parent_dir(path));
  }

  std::string describe() const override { return "file://" + root_; }

 private:
  std::string object_path(const std::string& key) const { return root_ + "/" + key; }

  static result<unique_fd> open_object(const std::string& path) {
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      if (errno == ENOTDIR || errno == EISDIR) return make_error(errc::not_found, "no object " + path);
      return errno_error(errno, "open", path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "stat", path);
    if (!S_ISREG(st.st_mode)) return make_error(errc::not_found, "no object " + path);
    return fd;
  }

  // Writes through `fill` into a temporary file, records the checksum on its
  // inode, fsyncs, renames it to the key's path and fsyncs that directory: a
  // crash at any point leaves the old object or the new one, plus at worst
  // an unreferenced temporary file.
  template <class Fill>
  status write_object(const std::string& key, Fill&& fill) {
    std::string tmp = tmp_dir_ + "/" + unique_temp_name();
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return errno_error(errno, "create", tmp);
    auto fail = [&](error e) -> status { ::unlink(tmp.c_str()); return e; };
    sha256_stream sha;
    if (auto s = fill(fd.get(), tmp, sha); !s) return fail(std::move(s).error());
    if (auto s = set_sha_xattr(fd.get(), sha.hex_digest(), tmp); !s) return fail(std::move(s).error());
    if (auto s = fsync_fd(fd.get(), tmp); !s) return fail(std::move(s).error());
    fd = unique_fd();
    std::string path = object_path(key);
    std::string dir = parent_dir(path);
    if (auto s = make_dirs(dir); !s) {
      if (s.error().code == errc::invalid_argument) {
        return fail(make_error(errc::invalid_argument, "key " + key + ": a parent is an object"));
      }
      return fail(std::move(s).error());
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      if (errno == EISDIR || errno == ENOTEMPTY || errno == EEXIST) {
        return fail(make_error(errc::invalid_argument, "key " + key + " is the directory of other keys"));
      }
      return fail(errno_error(errno, "rename to", path));
    }
    return fsync_dir(dir);
  }

  status probe_xattr() {
    std::string tmp = tmp_dir_ + "/probe-" + unique_temp_name();
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid()) return errno_error(errno, "create", tmp);
    int rc = ::fsetxattr(fd.get(), sha256_xattr, "0", 1, 0);
    int err = errno;
    ::unlink(tmp.c_str());
    if (rc != 0) {
      if (err == ENOTSUP) {
        return make_error(errc::invalid_argument,
                          "file://" + root_ + ": the filesystem does not support user extended attributes");
      }
      return errno_error(err, "setxattr", tmp);
    }
    return {};
  }

  void remove_stale_temps() {
    std::error_code ec;
    auto now = fs::file_time_type::clock::now();
    for (fs::directory_iterator it(tmp_dir_, ec), end; !ec && it != end; it.increment(ec)) {
      auto mtime = it->last_write_time(ec);
      if (!ec && now - mtime > stale_temp_age) fs::remove(it->path(), ec);
    }
  }

  std::string root_;
  std::string tmp_dir_;
};

}  // namespace

result<std::unique_ptr<blob_store>> open_dir_store(const std::string& root, const blob_options& options) {
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  if (r.empty() || r.front() != '/') return make_error(errc::invalid_argument, "file:// store needs an absolute path: " + root);
  auto store = std::make_unique<dir_store>(r);
  if (auto s = store->open(); !s) return std::move(s).error();
  return std::unique_ptr<blob_store>(std::move(store));
}

}  // namespace ropekv::blob
