#pragma once
// channel_registry: pub/sub channels of one notifier process — which local
// connections joined which channel. Channels exist while they have members;
// the last leave (or remove_connection) forgets them.
//
// Names are opaque byte strings; their validation (non-empty, length) is the
// frame protocol's job. Each connection may be in at most
// max_channels_per_connection channels.
//
// Invariant: conn is in members(ch) <=> ch is in channels_of(conn).
// Not thread-safe: one owner (the notifier's gateway actor) uses it.
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ropekv/notify/connection_id.hpp"

namespace ropekv::notify {

enum class join_outcome : uint8_t {
  joined,
  already_member,     // no change
  too_many_channels,  // no change; answer `too_many_channels`
};

class channel_registry {
 public:
  explicit channel_registry(size_t max_channels_per_connection = 64)
      : max_per_connection_(max_channels_per_connection) {}

  join_outcome join(std::string_view channel, connection_id conn);
  /// True when `conn` was a member.
  bool leave(std::string_view channel, connection_id conn);
  /// Members in ascending id order; empty for an unknown channel.
  std::vector<connection_id> members(std::string_view channel) const;
  /// Channels of `conn` in ascending byte order.
  std::vector<std::string> channels_of(connection_id conn) const;
  /// Leaves every channel of `conn` (it disconnected); returns the channels
  /// it left, in ascending byte order.
  std::vector<std::string> remove_connection(connection_id conn);

  bool is_member(std::string_view channel, connection_id conn) const;
  /// Channels with at least one member.
  size_t channel_count() const noexcept { return members_.size(); }
  size_t max_channels_per_connection() const noexcept { return max_per_connection_; }

 private:
  // std::less<> allows lookups by string_view without a temporary string.
  std::map<std::string, std::set<connection_id>, std::less<>> members_;
  std::unordered_map<connection_id, std::set<std::string, std::less<>>> channels_;
  size_t max_per_connection_;
};

}  // namespace ropekv::notify
