#include "ropekv/net/tls_credentials.hpp"

#include "openssl_errors.hpp"

#include <cstdio>
#include <memory>

#include <boost/asio/ssl/context.hpp>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace ropekv::net {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list: forward secrecy and AEAD only.
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

using detail::openssl_errors;

std::string name_of(X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

tls_certificate_info describe(SSL_CTX* ctx) {
  tls_certificate_info info;
  X509* cert = SSL_CTX_get0_certificate(ctx);
  if (cert == nullptr) return info;
  info.subject = name_of(X509_get_subject_name(cert));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    char* hex = BN_bn2hex(bn);
    info.serial = hex;
    OPENSSL_free(hex);
    BN_free(bn);
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), X509_get0_notAfter(cert));
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  info.not_after.assign(data, static_cast<size_t>(n));
  return info;
}

result<std::shared_ptr<ssl::context>> make_context(const std::string& cert_file,
                                                   const std::string& key_file) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                                  SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, tls12_ciphers) != 1)
    return make_error(errc::internal, "cipher list: " + openssl_errors());
  if (SSL_CTX_use_certificate_chain_file(native, cert_file.c_str()) != 1)
    return make_error(errc::invalid_argument, "certificate " + cert_file + ": " + openssl_errors());
  if (SSL_CTX_use_PrivateKey_file(native, key_file.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(errc::invalid_argument, "private key " + key_file + ": " + openssl_errors());
  if (SSL_CTX_check_private_key(native) != 1)
    return make_error(errc::invalid_argument,
                      "private key " + key_file + " does not match " + cert_file + ": " + openssl_errors());
  return ctx;
}

}  // namespace

tls_credentials::tls_credentials(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

result<std::shared_ptr<tls_credentials>> tls_credentials::load(std::string cert_file, std::string key_file) {
  auto creds = std::make_shared<tls_credentials>(std::move(cert_file), std::move(key_file));
  if (auto st = creds->reload(); !st) return std::move(st).error();
  return creds;
}

status tls_credentials::reload() {
  auto ctx = make_context(cert_file_, key_file_);
  if (!ctx) return std::move(ctx).error();
  auto info = describe((*ctx)->native_handle());
  std::lock_guard lock(mutex_);
  ctx_ = std::move(*ctx);
  info_ = std::move(info);
  return {};
}

std::shared_ptr<ssl::context> tls_credentials::current() const {
  std::lock_guard lock(mutex_);
  return ctx_;
}

tls_certificate_info tls_credentials::info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

}  // namespace ropekv::net
