#pragma once
// watch_frames: the JSON frames of the notifier's WebSocket protocol
// (docs/notifier.md) that `ropectl watch` sends and reads. Pure functions.
//
// Tolerance (why): as with output_formatter, only the members used are
// read and unknown ops are classified `other`, so a notifier that adds ops
// or fields never breaks the CLI.
#include <optional>
#include <string>
#include <string_view>

#include "command.hpp"
#include "json_value.hpp"
#include "ropekv/common/result.hpp"

namespace ropekv::ctl {

/// The id ropectl gives its one subscription.
inline constexpr std::string_view watch_subscription_id = "ropectl";

/// {"op":"subscribe","id":"ropectl","table",...} for `cmd` (a watch): prefix
/// or hash_key, events and from only when given, so the notifier's defaults
/// (all kinds, from now) apply.
std::string subscribe_frame(const command& cmd);

enum class frame_op : uint8_t { subscribed, event, error, other };

/// One server frame, parsed.
struct server_frame {
  frame_op op = frame_op::other;
  json_value body;
  /// "token" of subscribed, event and (slow_consumer) error frames.
  std::optional<std::string> token;
  std::string error_code;     // error frames
  std::string error_message;  // error frames
};

/// errc::invalid_argument when `text` is not a JSON object.
result<server_frame> parse_server_frame(std::string_view text);

/// One human line (with '\n') for an event frame:
///   `update  orders  cust-42  v=1733550000123456 prev=1733549999000001  {"total":7}`
///   `rollback orders partition=813 to_version=1733540000000000`
/// The kind is padded to 7 columns; keys as display_key shows them (binary
/// keys arrive as *_base64); prev= only when non-zero (not for a create);
/// the item only when sent (create, update).
std::string format_event(const json_value& event);

/// `error: CODE: message` (no newline) for an error frame; slow_consumer
/// adds how to resume.
std::string format_frame_error(const server_frame& frame);

}  // namespace ropekv::ctl
