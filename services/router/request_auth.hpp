#pragma once
// The router's auth step for one request (docs/security.md), between
// routing and the request actor, on the HTTP I/O thread (no waiting: the
// token store and the rate limiter are lock-free / a short mutex).
//
//   1. open routes (health, metrics, the console's files): no token needed;
//   2. authenticate: `Authorization: Bearer <secret>` -> 401 unauthenticated
//      (no header, unknown or revoked secret, expired token), with
//      WWW-Authenticate: Bearer (RFC 6750);
//   3. authorize: the token's roles must meet every requirement of the
//      request (libs/auth route_access.hpp) -> 403 permission_denied;
//   4. rate: the token's bucket (its own rate, else the router's default)
//      -> 429 rate_limited with Retry-After (seconds).
// 2 runs before the body is parsed, so an anonymous client learns nothing
// from body validation; 3 needs the parsed body (transact, batch, hooks).
#include <memory>
#include <optional>

#include "ropekv/auth/token_store.hpp"
#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_message.hpp"
#include "router_shared.hpp"

namespace ropekv::router {

/// Step 2: the caller's token, or the 401 response to send.
std::optional<net::http_response> authenticate(router_shared& shared, const net::http_request& request,
                                               std::shared_ptr<const auth::token_info>& token);

/// Steps 3 and 4: nullopt when the request may go ahead, else the 403 or
/// 429 response to send.
std::optional<net::http_response> authorize(router_shared& shared, const auth::token_info& token,
                                            const net::api_request& request);

}  // namespace ropekv::router
