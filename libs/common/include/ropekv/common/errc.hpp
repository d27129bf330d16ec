#pragma once
// The one table of error codes. A code exists only where a caller acts
// differently on it (retry elsewhere, report 404, report 412, ...).
// First value is 1 because CAF reserves 0 for "no error".
#include <cstdint>
#include <string_view>

namespace ropekv {

enum class errc : uint8_t {
  invalid_argument = 1,  // malformed request or value: HTTP 400
  not_found,             // no such item / table / segment: 404
  already_exists,        // create of something that exists: 409
  condition_failed,      // if=absent|exists|if_version not met: 412
  too_large,             // key, item or body over its limit: 413
  wrong_segment,         // replica no longer covers the key: router refreshes
  not_leader,            // replica is not the leader: router retries at hint
  unavailable,           // no quorum / service down: 503
  timeout,               // no answer in time: 503
  corrupt,               // a file or record that fails validation
  io_error,              // disk or SQLite failure
  version_gone,          // as_of older than the retention window: 410-like
  internal,              // a bug: never expected
  locked,                // held by an unresolved transaction: the router resolves it, else 409
  conflict,              // a transaction lost to a concurrent one: 409
  insufficient_storage,  // the disk is full where a quorum must write: 507
  unauthenticated,       // no, bad or revoked credentials: 401
  permission_denied,     // credentials valid but the role does not allow it: 403
  rate_limited,          // over the caller's request rate: 429 (+ Retry-After)
};

/// Stable lower-case name, used in JSON error bodies and logs.
std::string_view to_string(errc code) noexcept;

}  // namespace ropekv
