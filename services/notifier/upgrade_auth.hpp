#pragma once
// The notifier's check of a WebSocket upgrade (docs/security.md): unless
// the notifier runs --insecure, GET /v1/ws needs a live bearer token, from
//   - the Authorization header ("Bearer <secret>"), or
//   - the `token` query parameter (/v1/ws?token=<secret>): browsers cannot
//     set headers on a WebSocket. (Sec-WebSocket-Protocol is not used: a
//     server must echo an offered subprotocol, which would make the secret
//     travel back in the response.)
// Refused: 401 unauthenticated (typed JSON error), connection closed.
#include <optional>
#include <string>

#include "ropekv/auth/token_store.hpp"
#include "ropekv/notify/ws_server.hpp"

namespace ropekv::notifier {

/// The secret the upgrade presents ("" when none): the header first.
std::string upgrade_secret(const notify::upgrade_request& request);

/// nullopt: the token is live; else the 401 reply.
std::optional<notify::http_reply> check_upgrade(const auth::token_store& tokens,
                                                const notify::upgrade_request& request);

}  // namespace ropekv::notifier
