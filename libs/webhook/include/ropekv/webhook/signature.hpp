#pragma once
// Standard Webhooks 1.0 symmetric signatures (the "v1" scheme).
//
// A secret is written `whsec_<base64 of 24..64 random bytes>`; the HMAC key
// is the decoded bytes, never the text. For a message id, the attempt's
// timestamp (decimal unix seconds) and the exact body bytes sent:
//
//   webhook-signature: v1,<base64(HMAC-SHA256(key, id "." ts "." body))>
//
// The header is a space-separated list so that a sender may sign with two
// secrets during rotation; a receiver accepts when any v1 entry matches.
// Entries of other schemes (v1a, ...) are ignored.
//
// Pure functions; thread-safe. The HMAC is OpenSSL's.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::webhook {

inline constexpr std::string_view secret_prefix = "whsec_";
inline constexpr size_t min_secret_bytes = 24;
inline constexpr size_t max_secret_bytes = 64;
inline constexpr size_t default_secret_bytes = 32;
/// Standard Webhooks' (and Stripe's) default replay window.
inline constexpr int64_t default_tolerance_s = 300;

/// A validated signing key. Holds the raw key bytes; the text form is
/// rebuilt on demand. Never logged: it has no stream operator on purpose.
class secret {
 public:
  /// Parses `whsec_<base64>`; invalid_argument when the prefix is missing,
  /// the base64 is not strictly valid, or the key is not 24..64 bytes.
  static result<secret> parse(std::string_view text);

  /// A new random secret of `bytes` bytes (clamped to 24..64) from OpenSSL's
  /// RAND_bytes; internal when the RNG fails.
  static result<secret> generate(size_t bytes = default_secret_bytes);

  /// The raw HMAC key.
  const std::string& key() const noexcept { return key_; }
  /// `whsec_<base64(key)>`; parse(to_string()) gives an equal secret.
  std::string to_string() const;

  friend bool operator==(const secret&, const secret&) = default;

 private:
  explicit secret(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

/// `whsec_...` text of a new random secret; what the router stores when a
/// hook is created without one. Shorthand for secret::generate().
result<std::string> generate_secret(size_t bytes = default_secret_bytes);

/// The signature entry `v1,<base64>` for one attempt.
std::string sign(std::string_view msg_id, int64_t timestamp_s, std::string_view body, const secret& key);

/// Receiver side. `timestamp` is the webhook-timestamp header text exactly as
/// received (the signed bytes); it must be a plain decimal number within
/// `tolerance_s` of `now_s` in either direction. True when some v1 entry in
/// `signature_header` matches (constant-time comparison).
bool verify(std::string_view signature_header, std::string_view msg_id, std::string_view timestamp,
            std::string_view body, const secret& key, int64_t now_s,
            int64_t tolerance_s = default_tolerance_s);

}  // namespace ropekv::webhook
