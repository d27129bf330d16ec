// tls_credentials: loading, the protocol floor, reload with a new pair, and
// a bad new pair keeping the old one. Certificates are made here with
// OpenSSL's API (self-signed P-256), written to a temp dir; no network.
#include "ropekv/net/tls_credentials.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace ropekv::net {
namespace {

struct temp_dir {
  temp_dir() {
    char t[] = "/tmp/ropekv-tls-XXXXXX";
    path = ::mkdtemp(t);
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

// Writes a self-signed certificate with `serial` and CN `cn`, and its key.
void make_pair(const std::string& cert, const std::string& key, long serial, const std::string& cn) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  ASSERT_NE(pkey, nullptr);
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  ASSERT_GT(X509_sign(x, pkey, EVP_sha256()), 0);
  FILE* cf = std::fopen(cert.c_str(), "w");
  PEM_write_X509(cf, x);
  std::fclose(cf);
  FILE* kf = std::fopen(key.c_str(), "w");
  PEM_write_PrivateKey(kf, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(kf);
  X509_free(x);
  EVP_PKEY_free(pkey);
}

TEST(tls_credentials, loads_a_pair_and_serves_tls_1_2_and_up_only) {
  temp_dir d;
  make_pair(d.path + "/c.pem", d.path + "/k.pem", 0x1234, "router-one");
  auto creds = tls_credentials::load(d.path + "/c.pem", d.path + "/k.pem");
  ASSERT_TRUE(creds) << creds.error().message;
  auto info = (*creds)->info();
  EXPECT_NE(info.subject.find("CN=router-one"), std::string::npos) << info.subject;
  EXPECT_EQ(info.serial, "1234");
  EXPECT_FALSE(info.not_after.empty());
  SSL_CTX* ctx = (*creds)->current()->native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  const auto opts = SSL_CTX_get_options(ctx);
  EXPECT_TRUE(opts & SSL_OP_NO_SSLv3);
  EXPECT_TRUE(opts & SSL_OP_NO_TLSv1);
  EXPECT_TRUE(opts & SSL_OP_NO_TLSv1_1);
  EXPECT_TRUE(opts & SSL_OP_NO_COMPRESSION);
  // TLS 1.2 suites: forward secret and AEAD only.
  SSL* ssl = SSL_new(ctx);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, i));
    if (name.rfind("TLS_", 0) == 0) continue;  // TLS 1.3 suites
    EXPECT_EQ(name.rfind("ECDHE-", 0), 0u) << name;
    EXPECT_TRUE(name.find("GCM") != std::string::npos || name.find("CHACHA20") != std::string::npos) << name;
  }
  SSL_free(ssl);
}

TEST(tls_credentials, refuses_missing_files_and_a_key_of_another_certificate) {
  temp_dir d;
  make_pair(d.path + "/a.pem", d.path + "/a-key.pem", 1, "a");
  make_pair(d.path + "/b.pem", d.path + "/b-key.pem", 2, "b");
  auto missing = tls_credentials::load(d.path + "/nope.pem", d.path + "/a-key.pem");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::invalid_argument);
  auto mismatch = tls_credentials::load(d.path + "/a.pem", d.path + "/b-key.pem");
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().code, errc::invalid_argument);
  EXPECT_NE(mismatch.error().message.find("mismatch"), std::string::npos) << mismatch.error().message;
}

TEST(tls_credentials, reload_swaps_in_a_new_pair_and_keeps_the_old_on_a_bad_one) {
  temp_dir d;
  const std::string cert = d.path + "/c.pem", key = d.path + "/k.pem";
  make_pair(cert, key, 100, "first");
  auto loaded = tls_credentials::load(cert, key);
  ASSERT_TRUE(loaded);
  auto creds = *loaded;
  auto old_ctx = creds->current();

  make_pair(cert, key, 200, "second");
  ASSERT_TRUE(creds->reload());
  EXPECT_EQ(creds->info().serial, "C8");
  EXPECT_NE(creds->current(), old_ctx) << "new connections get a new context";
  EXPECT_EQ(old_ctx.use_count(), 1) << "the old one lives only as long as its holders";

  auto good_ctx = creds->current();
  std::ofstream(key, std::ios::trunc) << "garbage\n";
  auto bad = creds->reload();
  ASSERT_FALSE(bad);
  EXPECT_EQ(creds->info().serial, "C8");
  EXPECT_EQ(creds->current(), good_ctx);
}

}  // namespace
}  // namespace ropekv::net
