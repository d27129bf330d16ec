// Wrappers of SSL_read, SSL_write, SSL_accept and SSL_connect for the
// processes that use CAF's OpenSSL module (mutual TLS between services,
// cluster_tls.hpp). They are defined in the executable with the version
// OpenSSL gives them (openssl_interpose.map), so libcaf_openssl's calls land
// here first; each forwards to libssl's own function (dlvsym RTLD_NEXT).
//
// Why: CAF 0.17's OpenSSL session calls these and then SSL_get_error()
// without clearing the thread's OpenSSL error queue first, which OpenSSL
// requires. A peer that fails its handshake (a process without a cluster
// certificate) leaves its error in the queue of CAF's multiplexer thread,
// and the next harmless "want read" of any other connection on that thread
// is then taken for a fatal error: CAF drops a good connection. Measured: a
// process retrying without a certificate made a CA-signed owner lose its
// placement connection every few seconds. Clearing the queue before each
// call fixes that. SSL_accept/SSL_connect failures are also where a refused
// peer can be logged with its address and the reason (CAF has no hook),
// at most one line a second.
//
// Beast's TLS (the public ports) goes through the same functions in the
// same process; Asio clears the queue itself, so the extra clear is a no-op.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ropekv::net::detail {
namespace {

template <class Fn>
Fn next_symbol(const char* name) {
  void* p = dlvsym(RTLD_NEXT, name, "OPENSSL_3.0.0");
  if (p == nullptr) p = dlsym(RTLD_NEXT, name);
  if (p == nullptr) {
    std::fprintf(stderr, "level=critical event=openssl_symbol_missing name=%s\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(p);
}

std::string peer_of(SSL* s) {
  int fd = SSL_get_fd(s);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd < 0 || getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

std::atomic<int64_t> last_log_ms{0};
std::atomic<uint64_t> suppressed{0};

// A handshake that failed for good (not "want read/write"): log it,
// leaving the error queue as it is for CAF's SSL_get_error.
void report_failure(SSL* s, int ret, const char* side) {
  if (SSL_get_error(s, ret) != SSL_ERROR_SSL) return;  // EOF, retry: nothing refused
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now().time_since_epoch())
                       .count();
  int64_t last = last_log_ms.load();
  if (now - last < 1000 || !last_log_ms.compare_exchange_strong(last, now)) {
    suppressed.fetch_add(1);
    return;
  }
  const long verify = SSL_get_verify_result(s);
  std::string reason;
  if (verify != X509_V_OK) {
    reason = std::string("certificate: ") + X509_verify_cert_error_string(verify);
  } else if (unsigned long e = ERR_peek_error()) {
    const char* r = ERR_reason_error_string(e);
    reason = r != nullptr ? r : "tls error";
  } else {
    reason = "tls error";
  }
  spdlog::warn("event=cluster_peer_refused side={} peer={} reason=\"{}\" suppressed={}", side, peer_of(s), reason,
               suppressed.exchange(0));
}

}  // namespace

// Referenced by apply_cluster_tls() so that the linker keeps this file.
bool openssl_error_queue_guard_linked() { return true; }

}  // namespace ropekv::net::detail

using ropekv::net::detail::next_symbol;
using ropekv::net::detail::report_failure;

extern "C" {

int SSL_read(SSL* s, void* buf, int num) {
  static const auto real = next_symbol<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_write(SSL* s, const void* buf, int num) {
  static const auto real = next_symbol<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(s, buf, num);
}

int SSL_accept(SSL* s) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  int ret = real(s);
  if (ret <= 0) report_failure(s, ret, "accept");
  return ret;
}

int SSL_connect(SSL* s) {
  static const auto real = next_symbol<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  int ret = real(s);
  if (ret <= 0) report_failure(s, ret, "connect");
  return ret;
}

}  // extern "C"
