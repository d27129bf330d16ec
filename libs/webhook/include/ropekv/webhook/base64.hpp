#pragma once
// Standard base64 (RFC 4648 §4: alphabet A-Z a-z 0-9 + /, '=' padding), as
// Standard Webhooks uses it for secrets and signatures.
//
// Decoding is strict so that one secret has exactly one spelling: the
// length must be a multiple of 4, padding only at the end, no whitespace,
// and the unused low bits of the last character must be zero.
#include <optional>
#include <string>
#include <string_view>

namespace ropekv::webhook {

/// Padded base64 of `bytes`.
std::string base64_encode(std::string_view bytes);

/// The bytes of a strictly valid padded base64 text; nullopt otherwise.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ropekv::webhook
