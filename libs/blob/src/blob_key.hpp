#pragma once
// Which object keys and list prefixes a store accepts. One rule for every
// implementation, so that a key that works against file:// also works
// against s3:// and the reverse.
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::blob {

/// Names starting with this are the stores' own (temporary files); no key
/// component may start with it.
inline constexpr std::string_view reserved_name_prefix = ".ropekv-";

/// A key is 1..1024 bytes of '/'-separated components, none of them empty,
/// "." or "..", nor starting with reserved_name_prefix; no leading '/', no
/// NUL or control characters. errc::invalid_argument otherwise.
status check_key(std::string_view key);

/// A list prefix is a string prefix of keys: empty, or a key or the start of
/// one (a trailing '/' is fine); same component rules as keys.
status check_prefix(std::string_view prefix);

}  // namespace ropekv::blob
