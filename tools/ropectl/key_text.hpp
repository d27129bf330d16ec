#pragma once
// key_text: how key bytes and times from router responses become terminal
// text. Pure functions.
//
// The router writes a key that is valid UTF-8 as a JSON string under its
// name ("hash_key") and any other key as standard padded base64 under the
// name plus "_base64" (services/router/item_json.hpp); key_member() reads
// either, so a binary key prints the same whichever way it travelled.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "json_value.hpp"

namespace ropekv::ctl {

/// Key bytes made safe for a terminal: printable ASCII except '\' kept,
/// everything else as \xNN (so two different keys never print the same).
std::string display_key(std::string_view bytes);

/// RFC 4648 standard alphabet, padding optional; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

/// The raw bytes of key `name` in `object`: `name` as a string, else
/// `name_base64` decoded. nullopt when neither is present (or bad base64).
std::optional<std::string> key_member(const json_value& object, std::string_view name);

/// Unix milliseconds as UTC ISO 8601, e.g. "2023-11-14T22:13:20.000Z".
std::string format_utc_ms(int64_t ms);

}  // namespace ropekv::ctl
