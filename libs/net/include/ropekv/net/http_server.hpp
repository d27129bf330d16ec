#pragma once
// http_server: an asynchronous HTTP/1.1 server core on Boost.Beast.
//
// What it owns: one io_context run by `io_threads` threads, the listening
// socket, and every live connection. Beast and Asio stay inside the .cpp
// files; this header is cheap to include.
//
// Request flow: a connection reads one request (header, then body), hands
// it to the handler together with a `responder`, and reads nothing more until
// that responder has answered and the response is written; pipelined
// requests wait in the read buffer, so responses always leave in request
// order. The handler runs on an I/O thread and must not block: it should
// hand the work off (e.g. to a CAF actor) and answer through the responder
// later, from any thread.
//
// Limits, each answered with a JSON error body and then a close:
//   body > max_body_bytes              413 too_large
//   header block > max_header_bytes    431 too_large
//   unparsable HTTP                    400 invalid_argument
//   more than max_connections open     503 unavailable (the extra connection
//                                      only; TLS: closed without a handshake),
//                                      counted and logged (at most 1 line/s)
//   no first byte of a request within idle_timeout (idle keep-alive), the
//   rest of the header not within header_timeout of its first byte
//   (slowloris), the body not within body_timeout of the header's end, or a
//   client that does not read its response within idle_timeout: closed
//   without an answer, counted (stats()).
//
// TLS: with `tls` set every connection handshakes first (tls_credentials.hpp:
// TLS 1.2+, reloadable); a client speaking plain HTTP or failing the
// handshake is closed, logged at debug and counted.
//
// Threads: start() and stop() from one controlling thread, never from a
// handler or an I/O thread (stop() joins them); port(), active_connections()
// from any. The handler is called concurrently from
// the I/O threads (for different connections).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/net/tls_credentials.hpp"
#include "ropekv/net/http_message.hpp"
#include "ropekv/net/responder.hpp"

namespace ropekv::net {

struct http_server_options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;  // 0: the OS picks; see http_server::port()
  unsigned io_threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  size_t max_connections = 1024;
  /// Keep-alive idle: from a response (or the accept) to the next request's
  /// first byte; also how long a client may take to read a response.
  std::chrono::milliseconds idle_timeout{30'000};
  /// From a request's first byte to the end of its header (and the TLS
  /// handshake): slowloris.
  std::chrono::milliseconds header_timeout{10'000};
  /// From the end of the header to the end of the body.
  std::chrono::milliseconds body_timeout{60'000};
  /// Set: serve TLS with these credentials (reload() them on SIGHUP).
  std::shared_ptr<tls_credentials> tls;
  /// stop(): how long requests in progress may take to finish.
  std::chrono::milliseconds drain_timeout{5'000};
  std::string server_name = "ropekv";
};

using http_handler = std::function<void(http_request, responder)>;

/// Totals since start() (what /metrics reports for the server).
struct http_server_stats {
  uint64_t accepted = 0;                 // connections admitted or refused
  uint64_t refused_max_connections = 0;  // beyond max_connections
  uint64_t idle_timeouts = 0;            // keep-alive idle, closed
  uint64_t header_timeouts = 0;          // header not complete in time (slowloris)
  uint64_t body_timeouts = 0;            // body not complete in time
  uint64_t tls_handshake_failures = 0;   // plain HTTP on the TLS port, bad clients
};

class http_server {
 public:
  http_server(http_server_options options, http_handler handler);
  ~http_server();  // stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, listens and starts the I/O threads. errc::unavailable when the
  /// address cannot be bound, errc::invalid_argument for a bad host or
  /// options. Call once.
  status start();

  /// The bound port (after start()); 0 before.
  uint16_t port() const noexcept;

  /// Stops accepting, closes idle connections, lets requests in progress
  /// finish for up to drain_timeout (each then closes), closes the rest and
  /// joins the I/O threads. Responders answering afterwards are no-ops.
  /// Idempotent. A handler that never answers and keeps its responder only
  /// holds its connection open until stop().
  void stop();

  size_t active_connections() const noexcept;
  http_server_stats stats() const noexcept;

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace ropekv::net
