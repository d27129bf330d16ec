#pragma once
// The one I/O seam of webhook delivery: send one signed message to one
// endpoint and say what happened. http_poster is the real implementation;
// the notifier's tests substitute a fake.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ropekv/webhook/hook_url.hpp"
#include "ropekv/webhook/signature.hpp"

namespace ropekv::webhook {

/// One delivery attempt's content.
struct webhook_message {
  std::string_view id;      // webhook-id: the feed event id, stable across retries
  std::string_view body;    // JSON; exactly these bytes are signed and sent
  int64_t timestamp_s = 0;  // webhook-timestamp: unix seconds of this attempt
};

/// What an attempt achieved. Only 2xx is delivered; 3xx is a failure
/// (redirects are not followed).
struct post_result {
  uint32_t status = 0;                   // HTTP status; 0: no answer (connect/TLS error, timeout)
  std::string error;                     // empty when delivered
  std::optional<int64_t> retry_after_s;  // Retry-After delta-seconds, when sent

  bool delivered() const noexcept { return status >= 200 && status < 300; }
};

class webhook_sender {
 public:
  virtual ~webhook_sender() = default;

  /// Sends `msg` to `url`, signed with each of `keys` (two during secret
  /// rotation; the receiver accepts either). Blocking; never throws.
  virtual post_result post(const hook_url& url, const webhook_message& msg, std::span<const secret> keys) const = 0;

  post_result post(const hook_url& url, const webhook_message& msg, const secret& key) const {
    return post(url, msg, std::span<const secret>(&key, 1));
  }
};

}  // namespace ropekv::webhook
