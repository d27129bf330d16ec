#pragma once
// Reading the notifier's frames on the benchmark's hot path without a full
// JSON parse: an event frame is recognised by its fixed opening
// ({"op":"event", as the notifier renders it) and only the fields the
// benchmark needs are located. Anything else is a control frame, told apart
// by its "op" and, for errors, its "code". Pure code.
#include <cstdint>
#include <optional>
#include <string_view>

namespace ropekv::bench {

struct scanned_event {
  std::string_view hash_key;   // raw, as in the frame (the bench's keys need no escaping)
  std::string_view kind;
  std::optional<int64_t> t_ns;          // the item's "t_ns": the writer's CLOCK_REALTIME at send
  std::optional<int64_t> timestamp_us;  // the leader's stamp of the write
};

enum class frame_type { event, subscribed, error, other };

frame_type classify(std::string_view frame);

/// The fields of an event frame; nullopt when a required field (hash_key,
/// kind) is missing.
std::optional<scanned_event> scan_event(std::string_view frame);

/// The value of `"name":"..."` (no unescaping), or empty.
std::string_view string_field(std::string_view frame, std::string_view name);

/// The write sequence number of a key `prefix + decimal`, or nullopt when the
/// key is not one of this run's.
std::optional<uint64_t> seq_of_key(std::string_view key, std::string_view prefix);

}  // namespace ropekv::bench
