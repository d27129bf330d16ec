#pragma once
// Token secrets: made from 256 random bits (OpenSSL RAND_bytes), stored only
// as their SHA-256, compared in constant time.
//
// Why a plain hash and not a slow password hash: the secret is 256 random
// bits, not something a person chose, so guessing it from its hash is as
// hard as guessing it outright; a fast hash keeps the check per request
// cheap.
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

namespace ropekv::auth {

/// What every generated secret starts with (lets secret scanners and people
/// recognise one): "rkv_" + 64 lower-case hex digits.
inline constexpr std::string_view secret_prefix = "rkv_";
/// Shortest secret accepted from outside (the bootstrap token).
inline constexpr size_t min_secret_bytes = 16;
/// Longest bearer value looked at (anything longer cannot be ours).
inline constexpr size_t max_secret_bytes = 512;

/// A new secret; internal error only when the RNG fails.
result<std::string> generate_secret();

/// SHA-256 of the secret: 32 raw bytes.
std::string hash_secret(std::string_view secret);

/// Constant-time equality of two hashes (CRYPTO_memcmp); false on sizes
/// that differ.
bool hashes_equal(std::string_view a, std::string_view b) noexcept;

/// The value of an `Authorization: Bearer <secret>` header (scheme
/// case-insensitive, RFC 9110 §11.1); empty when it is no bearer header.
std::string_view bearer_secret(std::string_view authorization) noexcept;

}  // namespace ropekv::auth
