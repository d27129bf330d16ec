#include "blob_key.hpp"

#include <string>

namespace ropekv::blob {
namespace {

constexpr size_t max_key_bytes = 1024;  // S3's limit, in UTF-8 bytes

status check_components(std::string_view s, bool allow_trailing_slash, const char* what) {
  auto bad = [&](const std::string& why) {
    return make_error(errc::invalid_argument, std::string(what) + " '" + std::string(s) + "': " + why);
  };
  if (s.size() > max_key_bytes) return bad("longer than 1024 bytes");
  if (!s.empty() && s.front() == '/') return bad("absolute path");
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return bad("control character");
  }
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view part = s.substr(start, end - start);
    bool last = end == s.size();
    if (part.empty()) {
      if (!(last && allow_trailing_slash && start > 0)) return bad("empty path component");
    } else if (part == "." || part == "..") {
      return bad("'.' or '..' component");
    } else if (part.substr(0, reserved_name_prefix.size()) == reserved_name_prefix) {
      return bad("component starts with the reserved '.ropekv-'");
    }
    if (last) break;
    start = end + 1;
  }
  return {};
}

}  // namespace

status check_key(std::string_view key) {
  if (key.empty()) return make_error(errc::invalid_argument, "empty key");
  if (key.back() == '/') return make_error(errc::invalid_argument, "key '" + std::string(key) + "' ends with '/'");
  return check_components(key, false, "key");
}

status check_prefix(std::string_view prefix) {
  if (prefix.empty()) return {};
  // A prefix may stop in the middle of a component ("chunks/ab" matches
  // "chunks/abc"), so only complete components are checked for '.'/'..';
  // the last one may be the start of a longer name, never "..".
  return check_components(prefix, true, "prefix");
}

}  // namespace ropekv::blob
