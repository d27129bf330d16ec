#pragma once
// The calling thread's OpenSSL error queue as one line (and emptied), for
// the messages of TLS set-up failures. Shared by the public-port TLS
// (tls_credentials.cpp) and the cluster's mutual TLS (cluster_tls.cpp).
#include <openssl/err.h>

#include <string>

namespace ropekv::net::detail {

inline std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace ropekv::net::detail
