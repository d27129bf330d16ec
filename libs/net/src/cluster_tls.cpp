#include "ropekv/net/cluster_tls.hpp"

#include "openssl_errors.hpp"

#include <caf/config_option_adder.hpp>
#include <caf/settings.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>

namespace ropekv::net {
namespace detail {
bool openssl_error_queue_guard_linked();  // openssl_error_queue.cpp
}
namespace {

// actor_system_config keeps its option set protected; a pointer to the
// member, formed in a derived class, reaches it (as service_options.hpp).
struct option_access : caf::actor_system_config {
  static caf::config_option_set& options(caf::actor_system_config& cfg) {
    return cfg.*(&option_access::custom_options_);
  }
};

using detail::openssl_errors;

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using x509_ptr = std::unique_ptr<X509, freer<X509, X509_free>>;
using store_ptr = std::unique_ptr<X509_STORE, freer<X509_STORE, X509_STORE_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, freer<X509_STORE_CTX, X509_STORE_CTX_free>>;
using pkey_ptr = std::unique_ptr<EVP_PKEY, freer<EVP_PKEY, EVP_PKEY_free>>;

struct file_closer {
  void operator()(FILE* f) const { std::fclose(f); }
};
using file_ptr = std::unique_ptr<FILE, file_closer>;

void free_x509_stack(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }

// The checks CAF's session would otherwise fail on at the first connection
// (by throwing in the multiplexer thread), plus "signed by the CA", which
// peers would otherwise refuse without telling this process why.
std::string check_files(const std::string& ca, const std::string& cert, const std::string& key,
                        const std::string& passphrase) {
  ERR_clear_error();
  store_ptr store(X509_STORE_new());
  if (X509_STORE_load_file(store.get(), ca.c_str()) != 1)
    return "--cluster-ca " + ca + ": cannot load CA certificates (" + openssl_errors() + ")";
  file_ptr cf(std::fopen(cert.c_str(), "r"));
  if (!cf) return "--cluster-cert " + cert + ": cannot open";
  x509_ptr leaf(PEM_read_X509(cf.get(), nullptr, nullptr, nullptr));
  if (!leaf) return "--cluster-cert " + cert + ": no PEM certificate (" + openssl_errors() + ")";
  std::unique_ptr<STACK_OF(X509), decltype(&free_x509_stack)> chain(sk_X509_new_null(), free_x509_stack);
  while (X509* more = PEM_read_X509(cf.get(), nullptr, nullptr, nullptr)) sk_X509_push(chain.get(), more);
  ERR_clear_error();  // the loop ends on "no start line"
  store_ctx_ptr vctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(vctx.get(), store.get(), leaf.get(), chain.get());
  if (X509_verify_cert(vctx.get()) != 1)
    return "--cluster-cert " + cert + " is not signed by --cluster-ca " + ca + " (" +
           X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get())) + ")";
  file_ptr kf(std::fopen(key.c_str(), "r"));
  if (!kf) return "--cluster-key " + key + ": cannot open";
  pkey_ptr pkey(PEM_read_PrivateKey(kf.get(), nullptr, nullptr,
                                    passphrase.empty() ? nullptr : const_cast<char*>(passphrase.c_str())));
  if (!pkey) return "--cluster-key " + key + ": cannot read the private key (" + openssl_errors() + ")";
  if (X509_check_private_key(leaf.get(), pkey.get()) != 1)
    return "--cluster-key " + key + " does not match --cluster-cert " + cert;
  return {};
}

}  // namespace

void add_cluster_tls_options(caf::actor_system_config& cfg) {
  caf::config_option_adder{option_access::options(cfg), "global"}
      .add<std::string>("cluster-ca", "mutual TLS between services: PEM CA that signs every service")
      .add<std::string>("cluster-cert", "mutual TLS: this service's PEM certificate, signed by --cluster-ca")
      .add<std::string>("cluster-key", "mutual TLS: the PEM private key of --cluster-cert")
      .add<std::string>("cluster-key-passphrase", "mutual TLS: passphrase of an encrypted --cluster-key");
}

std::string apply_cluster_tls(caf::actor_system_config& cfg) {
  auto get = [&cfg](const char* name) { return caf::get_or(cfg.content, name, std::string{}); };
  const auto ca = get("cluster-ca"), cert = get("cluster-cert"), key = get("cluster-key");
  const auto passphrase = get("cluster-key-passphrase");
  if (ca.empty() && cert.empty() && key.empty()) return {};
  if (ca.empty() || cert.empty() || key.empty())
    return "--cluster-ca, --cluster-cert and --cluster-key go together (mutual TLS between services)";
  if (auto why = check_files(ca, cert, key, passphrase); !why.empty()) return why;
  if (!detail::openssl_error_queue_guard_linked()) return "internal: OpenSSL error-queue guard missing";
  cfg.openssl_cafile = ca;
  cfg.openssl_certificate = cert;
  cfg.openssl_key = key;
  cfg.openssl_passphrase = passphrase;
  cfg.load<caf::openssl::manager>();
  return {};
}

}  // namespace ropekv::net
