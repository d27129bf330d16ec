#pragma once
// ops_endpoint: the operations HTTP surface every RopeKV service shares --
//
//   GET /healthz  200 {"status":"ok"} while the process runs
//   GET /readyz   200 {"status":"ready"} when the service can serve (its
//                 readiness check says so), else
//                 503 {"status":"not_ready","reason":"<why>"}
//   GET /metrics  200, the registry in Prometheus text format 0.0.4
//
// ops_response() answers those three targets for a service that already
// has an HTTP server (the notifier's WebSocket port); ops_endpoint is a
// small http_server of its own serving only them (segment-owner, placement
// and indexer on --metrics-port). Anything else: 404; other methods: 405.
//
// Threads: the readiness check and the registry's collectors run on the
// HTTP I/O thread at each request: they must be thread-safe and must not
// block (read atomics or a snapshot, never ask an actor and wait).
// serve()/stop() from one controlling thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/net/http_message.hpp"
#include "ropekv/net/metrics_registry.hpp"

namespace ropekv::net {

class http_server;

struct readiness {
  bool ready = true;
  std::string reason;  // why not, when !ready
  static readiness yes() { return {}; }
  static readiness no(std::string why) { return {false, std::move(why)}; }
};

using readiness_check = std::function<readiness()>;

/// The answer to /healthz, /readyz or /metrics (query strings ignored);
/// nullopt for any other path. `ready` may be empty (always ready).
std::optional<http_response> ops_response(std::string_view method, std::string_view target,
                                          const metrics_registry& registry, const readiness_check& ready);

class ops_endpoint {
 public:
  /// `service` names the process in the Server header ("placement", ...).
  ops_endpoint(std::string service, const metrics_registry& registry, readiness_check ready);
  ~ops_endpoint();  // stop()
  ops_endpoint(const ops_endpoint&) = delete;
  ops_endpoint& operator=(const ops_endpoint&) = delete;

  /// Binds host:port (0: the OS picks) and serves. Call once.
  status serve(const std::string& host, uint16_t port);
  /// The bound port; 0 before serve() or when not serving.
  uint16_t port() const noexcept;
  void stop();

 private:
  std::string service_;
  const metrics_registry& registry_;
  readiness_check ready_;
  std::unique_ptr<http_server> http_;
};

/// Validates a --metrics-port value: -1 (none), 0 (the OS picks) .. 65535.
inline bool valid_metrics_port(int64_t port) { return port >= -1 && port <= 65535; }

}  // namespace ropekv::net
