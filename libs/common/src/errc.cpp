#include "ropekv/common/errc.hpp"

namespace ropekv {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::already_exists: return "already_exists";
    case errc::condition_failed: return "condition_failed";
    case errc::too_large: return "too_large";
    case errc::wrong_segment: return "wrong_segment";
    case errc::not_leader: return "not_leader";
    case errc::unavailable: return "unavailable";
    case errc::timeout: return "timeout";
    case errc::corrupt: return "corrupt";
    case errc::io_error: return "io_error";
    case errc::version_gone: return "version_gone";
    case errc::internal: return "internal";
    case errc::locked: return "locked";
    case errc::conflict: return "conflict";
    case errc::insufficient_storage: return "insufficient_storage";
    case errc::unauthenticated: return "unauthenticated";
    case errc::permission_denied: return "permission_denied";
    case errc::rate_limited: return "rate_limited";
  }
  return "unknown";
}

}  // namespace ropekv
