#include "disk_guard.hpp"

#include <sys/statvfs.h>

namespace ropekv::segment_owner {

bool disk_guard::on_full() {
  if (full_) return false;
  full_ = true;
  ++episodes_;
  return true;
}

bool disk_guard::check() {
  if (!full_) return false;
  auto free = free_bytes_ ? free_bytes_() : std::nullopt;
  if (!free || *free < resume_bytes_) return false;
  full_ = false;
  return true;
}

std::optional<uint64_t> disk_guard::free_bytes_of(const std::string& path) {
  struct statvfs s {};
  if (::statvfs(path.c_str(), &s) != 0) return std::nullopt;
  return static_cast<uint64_t>(s.f_bavail) * static_cast<uint64_t>(s.f_frsize);
}

bool disk_guard::is_full_reason(std::string_view reason) noexcept {
  // The segment actor's down reason names the errc first (segment_actor.cpp);
  // CAF's rendering wraps it, so look for the name anywhere.
  return reason.find("insufficient_storage") != std::string_view::npos;
}

}  // namespace ropekv::segment_owner
