#pragma once
// Mutual TLS between services (docs/security.md "Mutual TLS between
// services"): every CAF connection between RopeKV processes -- registering
// with placement, segment groups, feeds, notifier peers, the indexer --
// goes through CAF's OpenSSL module (libcaf-openssl) when a process is
// started with
//
//   --cluster-ca FILE     PEM CA certificate(s) peers must be signed by
//   --cluster-cert FILE   this process's certificate (PEM, chain), signed by it
//   --cluster-key FILE    its private key (PEM)
//   --cluster-key-passphrase  when the key is encrypted (prefer the
//                             ROPEKV_CLUSTER_KEY_PASSPHRASE variable)
//
// CAF then requires a certificate on both sides of every connection and
// verifies it against the CA (SSL_VERIFY_PEER | FAIL_IF_NO_PEER_CERT): a
// process without a certificate from that CA fails the handshake, so it
// cannot register with placement, join a segment group or read a feed. All
// three flags or none (a partial set is a bad configuration); with none,
// the cluster port is plain BASP as before. The files are checked at start
// (the CA parses, the certificate verifies against it, the key matches)
// so that a bad set is exit code 2 with a reason instead of an exception
// in CAF's multiplexer at the first connection.
//
// One place for every service: configure_service() adds the options,
// parse_config() calls apply_cluster_tls(), and every publish / connect
// goes through cluster_publish() / cluster_middleman().
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>

#include <cstdint>
#include <string>

namespace ropekv::net {

/// Adds --cluster-ca/--cluster-cert/--cluster-key/--cluster-key-passphrase
/// to the "global" group (stored in cfg.content).
void add_cluster_tls_options(caf::actor_system_config& cfg);

/// After parsing: when the options are set, checks the files, loads CAF's
/// OpenSSL module and points its openssl.* settings at them. Returns what
/// is wrong ("" when fine or not configured).
std::string apply_cluster_tls(caf::actor_system_config& cfg);

/// True when this process's cluster connections use mutual TLS.
inline bool cluster_tls_enabled(caf::actor_system& sys) { return sys.has_openssl_manager(); }

/// The middleman actor to connect with (connect_atom): CAF's OpenSSL one
/// under mutual TLS, else the plain one.
inline caf::io::middleman_actor cluster_middleman(caf::actor_system& sys) {
  return cluster_tls_enabled(sys) ? sys.openssl_manager().actor_handle() : sys.middleman().actor_handle();
}

/// middleman().publish(), over TLS under mutual TLS.
template <class Handle>
caf::expected<uint16_t> cluster_publish(caf::actor_system& sys, const Handle& whom, uint16_t port,
                                        const char* host, bool reuse) {
  if (cluster_tls_enabled(sys)) return caf::openssl::publish(whom, port, host, reuse);
  return sys.middleman().publish(whom, port, host, reuse);
}

}  // namespace ropekv::net
