#pragma once
// frame_protocol: the client side of the notifier's WebSocket protocol —
// parses one client text frame into a typed request or a typed error.
//
// Client frames are JSON objects with a string "op":
//   {"op":"subscribe","id":ID,"table":"t","prefix":"ab"?,"hash_key":"k"?,
//    "events":["create","update","delete","expired","rollback"]?,
//    "from":"<token>"|"now"?}
//   {"op":"unsubscribe","id":ID}
//   {"op":"join","channel":"c"}   {"op":"leave","channel":"c"}
//   {"op":"publish","channel":"c","data":<any JSON value>}
//   {"op":"members","channel":"c"}
//   {"op":"ping"}
// ID is a string (at most 128 bytes) or an integer; it is kept as its JSON
// text (`"s1"`, `7`) so replies echo it exactly as given. Optional members
// may also be null (= absent); unknown members are ignored.
//
// Errors: `malformed` (not JSON, not UTF-8, not an object, a required member
// missing or of the wrong type), `unknown_op`, `bad_request` (a value out of
// range: unknown event kind, empty events list, both prefix and hash_key,
// empty table, empty or over-256-byte channel, over-128-byte id, empty
// "from", nesting deeper than 64). The remaining codes are produced by the
// server or the service, never by the parser. An error carries the request's
// id whenever the id itself was readable.
//
// Pure functions; safe from any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ropekv/notify/event_kind.hpp"

namespace ropekv::notify {

/// Wire error codes of error frames. A code exists where the client acts
/// differently on it.
enum class frame_errc : uint8_t {
  malformed,               // fix the client
  unknown_op,              // fix the client (or an old server)
  bad_request,             // a value out of range
  frame_too_large,         // server: frame over max_frame_bytes; connection closes
  unknown_table,           // subscribe to a table that does not exist
  too_many_subscriptions,  // per-connection subscription limit
  too_many_channels,       // per-connection channel limit
  slow_consumer,           // outbound queue over budget; connection closes, resume from token
  feed_compacted,          // resume token older than the feed's history: reload, then "now"
  bad_token,               // resume token not understood
  duplicate_id,            // subscribe with an id already in use on this connection
  not_subscribed,          // unsubscribe of an unknown id
};

/// The wire name, e.g. "frame_too_large".
std::string_view to_string(frame_errc code) noexcept;
std::optional<frame_errc> frame_errc_from_string(std::string_view name) noexcept;

inline constexpr size_t max_request_id_bytes = 128;
inline constexpr size_t max_channel_bytes = 256;
inline constexpr size_t max_json_depth = 64;

struct subscribe_request {
  std::string id;  // raw JSON text
  std::string table;
  std::optional<std::string> prefix;    // at most one of prefix and hash_key
  std::optional<std::string> hash_key;
  event_kind_set kinds = event_kind_set::all();  // never empty
  std::optional<std::string> from_token;         // nullopt: "now"
};

struct unsubscribe_request {
  std::string id;  // raw JSON text
};

struct join_request {
  std::string channel;
};

struct leave_request {
  std::string channel;
};

struct publish_request {
  std::string channel;
  std::string data;  // raw JSON text of any value (re-serialised, compact)
};

struct members_request {
  std::string channel;
};

struct ping_request {};

using client_request = std::variant<subscribe_request, unsubscribe_request, join_request,
                                    leave_request, publish_request, members_request, ping_request>;

struct frame_error {
  frame_errc code = frame_errc::malformed;
  std::string message;            // for humans
  std::optional<std::string> id;  // raw JSON text of the request id, when readable
};

/// Either a request or the error to answer with.
using parse_result = std::variant<client_request, frame_error>;

parse_result parse_client_frame(std::string_view text);

}  // namespace ropekv::notify
