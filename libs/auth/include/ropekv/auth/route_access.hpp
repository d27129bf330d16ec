#pragma once
// What each v1 route requires of the caller's token (docs/security.md has
// the table). Pure: the request as routed and parsed, no I/O.
//
// Most routes need one thing on their path's table. Three look into the
// body: a batch needs write on its table unless every op is a get (then
// read); a transaction needs, per op, read (get) or write (put, delete,
// check) on that op's table; a hook definition needs admin on its table.
// A body those rules cannot read (it is malformed) needs what the route
// needs at least -- admin:* for hooks, write:* for transact -- so a bad
// body is refused with 403 to a weak token and with 400 to a strong one.
#include <vector>

#include "ropekv/auth/roles.hpp"
#include "ropekv/net/api_request.hpp"

namespace ropekv::auth {

/// Needs only the route (no body): open routes need no token at all.
bool is_open(net::api_kind kind) noexcept;

/// Every requirement of the request; all must be met. `request.body` must
/// be what parse_request left (json_object_text for batch/transact/hooks).
std::vector<requirement> requirements(const net::api_request& request);

}  // namespace ropekv::auth
