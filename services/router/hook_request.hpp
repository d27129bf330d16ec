#pragma once
// The body of PUT /v1/hooks/{name}, checked for shape (DESIGN §8):
//
//   {"url":"https://…", "table":"t", "events":["create",…]?, "prefix":"…"?,
//    "secret":"whsec_…"}
//
// Members are strict like the table spec's: unknown or repeated members,
// wrong types or a missing url/table/secret are 400 `invalid_argument`;
// JSON null counts as absent for the optional ones. The values themselves
// (url form, event kinds, secret length, whether the table exists) are
// placement's to judge (services/placement/hook_validation.hpp), so the
// rules live in one place.
#include <string>
#include <string_view>

#include "ropekv/net/http_error.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::router {

/// `json` is the normalized body (net::json_object_text).
net::http_result<pb::HookSpec> parse_hook_spec(const std::string& name, std::string_view json);

}  // namespace ropekv::router
