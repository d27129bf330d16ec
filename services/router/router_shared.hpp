#pragma once
// router_shared: what every part of one router process shares -- options,
// the route table (rope cache), the owners' connected handles and the
// metrics. Owned by router_service through a shared_ptr; actors and the
// HTTP handler hold copies of the pointer. The only actor handles it holds
// are proxies of remote owners (never a local actor, so no cycle), and
// router_service::stop() clears them.
//
// Thread safety: options are immutable after start; route_table and
// router_metrics are safe to use from any thread (see their headers).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "owner_handles.hpp"
#include "ropekv/auth/rate_limiter.hpp"
#include "ropekv/auth/token_store.hpp"
#include "retry_policy.hpp"
#include "route_table.hpp"
#include "router_metrics.hpp"

namespace ropekv::router {

struct router_options {
  retry_options retry;
  /// One attempt at a segment (a replica that does not answer in time is
  /// treated as down for this request).
  // One attempt at a replica. Well under the 2 s recovery objective: a
  // request already forwarded to an owner that is then killed is never
  // bounced by CAF 0.17, so it waits this long before trying elsewhere.
  std::chrono::milliseconds segment_timeout{1'000};
  /// Calls to placement (tables, cluster, rope refresh).
  std::chrono::milliseconds admin_timeout{5'000};
  /// An index query with after= waits this long at most for the index to
  /// apply the writes (then 503 index_behind).
  std::chrono::milliseconds index_wait{5'000};
  /// Establishing a connection to an owner or to placement.
  std::chrono::milliseconds connect_timeout{2'000};
  /// Whole request: past it the client gets 503 `timeout`.
  std::chrono::milliseconds request_deadline{15'000};
  /// Transactions (docs/transactions.md): a lock older than this belongs to
  /// a transaction presumed dead, which a reader or writer in its way may
  /// abort (unless it committed); younger ones are waited for.
  std::chrono::milliseconds txn_lock_ttl{1'000};
  /// Limits of one POST /v1/transact (400 beyond).
  size_t max_txn_ops = 1'000;
  size_t max_txn_bytes = size_t{16} << 20;
  /// How often the router looks for locks left by dead transactions.
  std::chrono::milliseconds lock_sweep_interval{1'000};
  /// Reconnect period while placement is unreachable.
  std::chrono::milliseconds placement_retry{500};
  /// After a failed connect to an owner, how long asks for it fail at once.
  std::chrono::milliseconds reconnect_backoff{200};
  /// Least time between two full-rope refreshes from placement: a client
  /// hammering an unknown table must not make the router re-pull the rope
  /// non-stop. Refreshes asked meanwhile wait for the next one.
  std::chrono::milliseconds min_refresh_interval{20};
  /// Segment requests per page of a query or scan (items_walk.hpp).
  uint32_t max_walk_calls = 32;
  /// Bearer tokens (docs/security.md): every route but /healthz, /readyz,
  /// /metrics and the console's files needs a token with the right role.
  /// false only with --insecure.
  bool require_auth = true;
  /// Requests per second per token when the token sets none; 0: unlimited.
  double token_rate_limit = 0;
};

struct router_shared {
  explicit router_shared(router_options opts) : options(std::move(opts)), metrics(registry) {}

  const router_options options;
  route_table routes;
  owner_handles owners;
  net::metrics_registry registry;
  router_metrics metrics;
  /// Spreads eventual reads over replicas.
  std::atomic<uint64_t> spread{0};
  /// The tokens placement last pushed (RopeUpdate.tokens).
  auth::token_store tokens;
  /// Per-token request rate (429 + Retry-After beyond).
  auth::rate_limiter limiter;
};

}  // namespace ropekv::router
