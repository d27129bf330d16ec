#pragma once
// Validation of a user's hook definition (PUT /v1/hooks/{name}) exactly as
// the router accepts it; the notifier runs the same check before it trusts
// a spec it reads from placement. Pure and thread-safe.
//
// Rules (first failure wins, in this order):
//   name    [A-Za-z0-9_.-]{1,64}                         bad_name
//   url     see hook_url.hpp                             bad_url
//   table   non-empty, at most 255 bytes                 bad_table
//   events  known names, none twice; empty = all kinds   bad_event
//   prefix  at most 2048 bytes (any bytes)               bad_prefix
//   secret  `whsec_` + base64 of 24..64 bytes            bad_secret
// An empty secret is an error here: a router that generates secrets for
// specs without one fills it in (generate_secret()) before validating.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/proto/service.pb.h"
#include "ropekv/webhook/hook_error.hpp"
#include "ropekv/webhook/hook_events.hpp"
#include "ropekv/webhook/hook_url.hpp"
#include "ropekv/webhook/signature.hpp"

namespace ropekv::webhook {

inline constexpr size_t max_hook_name_bytes = 64;
inline constexpr size_t max_hook_table_bytes = 255;
inline constexpr size_t max_hook_prefix_bytes = 2048;

/// A spec that passed validation, in parsed form.
struct validated_hook {
  std::string name;
  hook_url url;
  std::string table;
  event_set events;
  std::string prefix;  // hash-key prefix bytes; empty: every key
  secret key;
};

/// The name rule alone (for GET/DELETE /v1/hooks/{name}); nullopt when valid.
std::optional<hook_error> check_hook_name(std::string_view name);

/// The whole spec; the error carries one of the hook_code constants.
checked<validated_hook> validate_hook(const pb::HookSpec& spec);

}  // namespace ropekv::webhook
