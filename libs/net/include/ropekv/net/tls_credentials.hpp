#pragma once
// tls_credentials: the certificate and private key a public port (the
// router's HTTP server, the notifier's WebSocket server) serves TLS with,
// reloadable while the server runs.
//
// Protocol policy, one place for both servers: TLS 1.2 and 1.3 only (no
// SSLv2/3, TLS 1.0/1.1), TLS 1.2 restricted to ECDHE key exchange with
// AEAD ciphers (AES-GCM, ChaCha20-Poly1305), TLS 1.3 with OpenSSL's
// defaults, server cipher preference, no renegotiation, no compression.
//
// Reload (SIGHUP): reload() reads the same two files again into a NEW
// context and swaps it in only when the pair loads and matches; a bad pair
// leaves the old context in place and says why. Connections that are
// already open keep the context they started with (their SSL objects hold
// a reference); new connections take current().
//
// Threads: current() and reload() from any thread (a mutex guards the
// pointer swap; handshakes never wait on a reload's file I/O).
#include <memory>
#include <mutex>
#include <string>

#include "ropekv/common/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace ropekv::net {

/// What a loaded certificate says about itself (for logs and tests).
struct tls_certificate_info {
  std::string subject;
  std::string serial;     // hex
  std::string not_after;  // as OpenSSL prints it
};

class tls_credentials {
 public:
  /// Loads `cert_file` (PEM, leaf first, then its chain) and `key_file` (PEM,
  /// unencrypted). errc::invalid_argument with OpenSSL's reason when either
  /// cannot be read, does not parse, or the key does not match.
  static result<std::shared_ptr<tls_credentials>> load(std::string cert_file, std::string key_file);

  /// Re-reads both files; on success the new pair serves new connections.
  /// On failure the old pair stays and the error says why.
  status reload();

  /// The context new connections use.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  tls_certificate_info info() const;

  const std::string& cert_file() const noexcept { return cert_file_; }
  const std::string& key_file() const noexcept { return key_file_; }

  tls_credentials(std::string cert_file, std::string key_file);

 private:
  std::string cert_file_;
  std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
  tls_certificate_info info_;
};

}  // namespace ropekv::net
