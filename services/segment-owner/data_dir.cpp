#include "data_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ropekv::segment_owner {
namespace fs = std::filesystem;

namespace {

constexpr const char* split_prefix = "segment-";  // libs/segment's split_executor::segment_path
constexpr const char* split_suffix = ".sqlite";
constexpr const char* own_suffix = ".db";

std::optional<uint64_t> parse_id(std::string_view digits) {
  uint64_t v = 0;
  if (digits.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc{} || end != digits.data() + digits.size() || v == 0) return std::nullopt;
  return v;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// The group a file name denotes, if it is a replica file.
std::optional<uint64_t> group_of(std::string_view name) {
  if (ends_with(name, own_suffix)) return parse_id(name.substr(0, name.size() - std::strlen(own_suffix)));
  if (name.rfind(split_prefix, 0) == 0 && ends_with(name, split_suffix)) {
    return parse_id(name.substr(std::strlen(split_prefix),
                                name.size() - std::strlen(split_prefix) - std::strlen(split_suffix)));
  }
  return std::nullopt;
}

error io_error(const std::string& what, int err) {
  return make_error(errc::io_error, what + ": " + std::strerror(err));
}

status fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return io_error("open " + path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("fsync " + path, err);
  return {};
}

}  // namespace

status write_file_atomically(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error("open " + tmp, errno);
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return io_error("write " + tmp, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("fsync " + tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename " + tmp, errno);
  // The rename itself is only durable once the directory is synced.
  auto parent = fs::path(path).parent_path().string();
  return fsync_path(parent.empty() ? "." : parent, O_RDONLY | O_DIRECTORY);
}

result<data_dir> data_dir::open(const std::string& root) {
  if (root.empty()) return make_error(errc::invalid_argument, "the data directory must be named");
  std::error_code ec;
  fs::path segments = fs::path(root) / "segments";
  fs::create_directories(segments, ec);
  if (ec) return make_error(errc::io_error, "create " + segments.string() + ": " + ec.message());
  return data_dir(root, segments.string());
}

std::string data_dir::replica_path(segment_id group) const {
  return (fs::path(segments_) / (std::to_string(group.value) + own_suffix)).string();
}

std::string data_dir::assignment_path(segment_id group) const {
  return (fs::path(segments_) / (std::to_string(group.value) + ".assignment")).string();
}

result<node_id> data_dir::load_node_id() const {
  fs::path p = fs::path(root_) / "node.id";
  std::error_code ec;
  if (!fs::exists(p, ec)) return node_id{};
  std::ifstream in(p);
  std::string text;
  std::getline(in, text);
  auto id = parse_id(text);
  if (!id) return make_error(errc::corrupt, p.string() + " does not hold a node id: '" + text + "'");
  return node_id{*id};
}

status data_dir::save_node_id(node_id id) const {
  return write_file_atomically((fs::path(root_) / "node.id").string(), std::to_string(id.value) + "\n");
}

std::vector<replica_file> data_dir::replica_files() const {
  std::vector<replica_file> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(segments_, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    if (auto g = group_of(entry.path().filename().string())) out.push_back({segment_id{*g}, entry.path().string()});
  }
  std::sort(out.begin(), out.end(), [](const replica_file& a, const replica_file& b) { return a.group < b.group; });
  return out;
}

bool data_dir::has_replica(segment_id group) const {
  std::error_code ec;
  auto split_name = fs::path(segments_) / (split_prefix + std::to_string(group.value) + split_suffix);
  return fs::exists(replica_path(group), ec) || fs::exists(split_name, ec);
}

result<std::optional<pb::SegmentAssignment>> data_dir::load_assignment(segment_id group) const {
  std::string path = assignment_path(group);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::optional<pb::SegmentAssignment>{};
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  pb::SegmentAssignment a;
  if (!a.ParseFromString(buf.str())) return make_error(errc::corrupt, path + " is not a SegmentAssignment");
  return std::optional<pb::SegmentAssignment>{std::move(a)};
}

status data_dir::save_assignment(segment_id group, const pb::SegmentAssignment& assignment) const {
  return write_file_atomically(assignment_path(group), assignment.SerializeAsString());
}

status data_dir::remove_replica(const replica_file& file) const {
  std::error_code ec;
  // .seal and .corrupt: file_check.hpp's seal and a file a rebuild moved aside.
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".seal", ".corrupt"}) {
    fs::remove(file.path + suffix, ec);
    if (ec) return make_error(errc::io_error, "remove " + file.path + suffix + ": " + ec.message());
  }
  fs::remove(assignment_path(file.group), ec);
  if (ec) return make_error(errc::io_error, "remove assignment of " + std::to_string(file.group.value) + ": " + ec.message());
  return {};
}

uint64_t data_dir::replica_bytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    auto n = fs::file_size(path + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

}  // namespace ropekv::segment_owner
