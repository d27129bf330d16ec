#pragma once
// Base64 (RFC 4648): the standard alphabet with padding for binary keys in
// JSON, and the URL-safe alphabet without padding for cursors (they travel
// in query strings). Pure functions; decoding is strict (no whitespace, no
// stray characters, canonical trailing bits), so a mangled cursor is
// rejected instead of decoding to something else.
#include <optional>
#include <string>
#include <string_view>

namespace ropekv {

enum class base64_alphabet : bool { standard, url };

/// standard: with '=' padding; url: without.
std::string base64_encode(std::string_view bytes, base64_alphabet alphabet);

/// nullopt on any character outside the alphabet, bad padding or
/// non-canonical trailing bits.
std::optional<std::string> base64_decode(std::string_view text, base64_alphabet alphabet);

}  // namespace ropekv
