#pragma once
// webhook_sender over HTTP/1.1 and HTTPS (Boost.Beast + OpenSSL): one
// connection per attempt, `connection: close`.
//
// Request: POST url.target with
//   host, content-type: application/json, content-length,
//   webhook-id, webhook-timestamp, webhook-signature (signed over the exact
//   body bytes sent), user-agent (default RopeKV-Webhooks/1).
// Outcome: the status line decides; for a non-2xx answer up to
// error_snippet_bytes of the body go into `error` (printable ASCII only).
//
// Timeout: one deadline of `timeout` covers connect, TLS handshake, sending
// and reading the response header; expiry gives status 0. Name resolution
// runs before it and is bounded by the system resolver's own timeouts.
//
// HTTPS: TLS 1.2+, SNI set for host names, the peer certificate verified
// against the system trust store (plus `extra_ca_pem`) and the URL's host
// name or IP address. No close_notify is sent: the request/response
// exchange is complete when the socket is dropped.
//
// Thread safety: post() is const and may run on several threads at once;
// each call has its own io_context and shares only the TLS context.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/webhook/webhook_sender.hpp"

namespace ropekv::webhook {

inline constexpr size_t error_snippet_bytes = 200;

struct poster_options {
  std::chrono::milliseconds timeout{10'000};
  std::string user_agent = "RopeKV-Webhooks/1";
  /// Trust the system's CA store (set_default_verify_paths).
  bool use_system_ca = true;
  /// More trusted CA certificates, PEM (private CAs; tests).
  std::string extra_ca_pem;
};

class http_poster final : public webhook_sender {
 public:
  /// invalid_argument when extra_ca_pem does not parse; internal when the
  /// TLS context cannot be set up.
  static result<http_poster> create(poster_options opts = {});

  using webhook_sender::post;
  post_result post(const hook_url& url, const webhook_message& msg, std::span<const secret> keys) const override;

  const poster_options& options() const noexcept;

 private:
  struct impl;
  explicit http_poster(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<const impl> impl_;
};

}  // namespace ropekv::webhook
