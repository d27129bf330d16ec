#pragma once
// What the router's and the notifier's main() do with --tls-cert/--tls-key:
// load the pair at start (a bad pair is a bad configuration, exit 2), and
// reload it on every SIGHUP, logging the certificate now served or, when
// the new pair is bad, why the old one stays. public_port_flags: the
// router's TLS and limit flags in one piece (docs/security.md).
#include <caf/config_option_adder.hpp>
#include <caf/config_option_set.hpp>
#include <caf/timespan.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include <memory>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/net/http_server.hpp"
#include "ropekv/net/reload_signal.hpp"
#include "ropekv/net/tls_credentials.hpp"

namespace ropekv::net {

/// Both empty: plain (nullptr). One of them empty, or a pair that does not
/// load: invalid_argument.
inline result<std::shared_ptr<tls_credentials>> load_public_tls(const std::string& cert, const std::string& key) {
  if (cert.empty() && key.empty()) return std::shared_ptr<tls_credentials>{};
  if (cert.empty() || key.empty())
    return make_error(errc::invalid_argument, "--tls-cert and --tls-key go together");
  auto creds = tls_credentials::load(cert, key);
  if (!creds) return std::move(creds).error();
  return std::move(*creds);
}

inline void log_tls_certificate(const char* event, const tls_credentials& creds) {
  auto info = creds.info();
  spdlog::info("event={} cert={} subject=\"{}\" serial={} not_after=\"{}\"", event, creds.cert_file(),
               info.subject, info.serial, info.not_after);
}

/// SIGHUP: reload `creds` (no-op without TLS).
inline void reload_tls_on_hup(reload_signal& hup, std::shared_ptr<tls_credentials> creds) {
  if (!creds) return;
  log_tls_certificate("tls_serving", *creds);
  hup.start([creds] {
    if (auto st = creds->reload(); !st) {
      spdlog::error("event=tls_reload_failed cert={} key={} error=\"{}\" action=keep_old", creds->cert_file(),
                    creds->key_file(), st.error().message);
      return;
    }
    log_tls_certificate("tls_reloaded", *creds);
  });
}

/// The flags of an http_server on a public port: TLS pair and limits
/// against abuse, with their defaults. add_to() in the config's constructor,
/// apply() after parsing.
struct public_port_flags {
  std::string tls_cert, tls_key;
  size_t max_connections = 1024;
  caf::timespan idle_timeout = std::chrono::seconds(30);
  caf::timespan header_timeout = std::chrono::seconds(10);
  caf::timespan body_timeout = std::chrono::seconds(60);

  void add_to(caf::config_option_set& options) {
    caf::config_option_adder{options, "global"}
        .add(tls_cert, "tls-cert", "PEM certificate (chain) to serve HTTPS with; reloaded on SIGHUP")
        .add(tls_key, "tls-key", "PEM private key of --tls-cert")
        .add(max_connections, "max-connections", "open HTTP connections (beyond: 503 / closed, counted)")
        .add(idle_timeout, "idle-timeout", "keep-alive idle before a request starts; slow response reader")
        .add(header_timeout, "header-timeout", "a request's header (and TLS handshake) from its first byte")
        .add(body_timeout, "body-timeout", "a request's body from the end of its header");
  }

  /// Loads the TLS pair (when given) and sets `o`'s TLS and limits.
  status apply(http_server_options& o) const {
    auto tls = load_public_tls(tls_cert, tls_key);
    if (!tls) return std::move(tls).error();
    auto ms = [](caf::timespan t) { return std::chrono::duration_cast<std::chrono::milliseconds>(t); };
    o.tls = std::move(*tls);
    o.max_connections = max_connections;
    o.idle_timeout = ms(idle_timeout);
    o.header_timeout = ms(header_timeout);
    o.body_timeout = ms(body_timeout);
    return {};
  }
};

}  // namespace ropekv::net
