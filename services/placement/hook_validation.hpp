#pragma once
// Validation of a webhook spec sent to PutHookRequest (DESIGN §7, §8). Pure:
// no state (whether the table exists is placement_state's check).
#include <cstddef>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"

namespace ropekv::placement_service {

inline constexpr size_t max_hook_url_bytes = 2048;
/// A hash-key prefix is never longer than a hash key.
inline constexpr size_t max_hook_prefix_bytes = 2048;

/// The event kinds a hook may ask for; an empty list means all of them.
inline constexpr std::string_view hook_event_kinds[] = {"create", "update", "delete", "expired",
                                                       "rollback"};

/// The spec as it will be stored (duplicate events removed, first order
/// kept). errc::invalid_argument when the name is not [A-Za-z0-9_.-]{1,64},
/// the url is not http(s)://host[:port][/path][?query] (DNS name, IPv4 or
/// [IPv6] host; no user info, fragment or non-printable bytes; at most
/// 2048 bytes), the table name is empty, the prefix is over 2048 bytes, an
/// event is not one of hook_event_kinds, or the secret is not "whsec_"
/// followed by the base64 of 24 to 64 bytes. The notifier's own check
/// (libs/webhook hook_validation.hpp) accepts everything this accepts.
result<pb::HookSpec> validate_hook_spec(pb::HookSpec spec);

bool valid_hook_name(std::string_view name) noexcept;

}  // namespace ropekv::placement_service
