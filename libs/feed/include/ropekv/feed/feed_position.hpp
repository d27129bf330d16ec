#pragma once
// feed_position: how far a consumer has read a table's change feed, as
// positions per key range (DESIGN §7). The public resume token is this
// value, serialized (pb::FeedToken) and base64url-encoded.
//
// Why ranges and not segment ids: a split gives both halves the parent's
// rows with their positions and continues the parent's counter, and a move
// or a leader change keeps positions (they are replicated state). So a
// cursor "keys in [a, b) were delivered up to position p" stays meaningful
// on whatever segments hold [a, b) later: each is read after p.
//
// Owns: a partition of the table's key range [table_prefix, prefix_end)
// into contiguous cursors (start -> position; a cursor ends where the next
// starts, the last at the table's end). Adjacent cursors with equal
// positions are merged, so the token stays as small as the rope allows.
// A plain value: copy it, not thread-safe.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::feed {

class feed_position {
 public:
  /// Every key of `table` delivered up to `position` (0: from the start).
  static feed_position uniform(uint32_t table, uint64_t position);
  /// From a decoded token. errc::invalid_argument when its cursors do not
  /// cover the table's key range exactly once, in order.
  static result<feed_position> from_token(const pb::FeedToken& token);
  /// decode_token() then from_token().
  static result<feed_position> parse(std::string_view text);

  uint32_t table() const noexcept { return table_; }
  /// [start, end) of the table's keys (end: prefix_end of the table prefix).
  const std::string& table_start() const noexcept;
  const std::string& table_end() const noexcept { return table_end_; }

  /// Position of the cursor holding `key` (a key of this table).
  uint64_t at(std::string_view key) const;
  /// Lowest position over the cursors overlapping [start, end) clipped to
  /// the table (end "": +infinity). Where a reader of that range starts.
  uint64_t lowest(std::string_view start, std::string_view end) const;
  /// Keys in [start, end) (clipped to the table) were delivered up to
  /// `position`: each cursor there becomes max(its position, position).
  void advance(std::string_view start, std::string_view end, uint64_t position);
  /// As advance(), but no key goes past its position in `cap`: a reader
  /// catching up to `cap` delivered only events up to it.
  void advance_capped(std::string_view start, std::string_view end, uint64_t position,
                      const feed_position& cap);
  /// Whether every key is at least as far here as in `other` (same table).
  bool covers(const feed_position& other) const;

  size_t cursors() const noexcept { return by_start_.size(); }
  pb::FeedToken to_token() const;
  /// The public resume token.
  std::string encode() const;

  friend bool operator==(const feed_position&, const feed_position&) = default;

 private:
  feed_position(uint32_t table, std::string end) : table_(table), table_end_(std::move(end)) {}
  /// Makes `key` (inside the table) the start of a cursor.
  void cut(const std::string& key);
  void merge_equal_neighbours();

  uint32_t table_ = 0;
  std::string table_end_;
  std::map<std::string, uint64_t, std::less<>> by_start_;
};

/// Range arithmetic on encoded keys ("" as an end is +infinity): the later
/// of two starts and the earlier of two ends.
std::string_view later_start(std::string_view a, std::string_view b);
std::string_view earlier_end(std::string_view a, std::string_view b);

/// base64url (no padding) of the serialized token.
std::string encode_token(const pb::FeedToken& token);
/// errc::invalid_argument ("bad_token") for text that is not a token.
result<pb::FeedToken> decode_token(std::string_view text);

}  // namespace ropekv::feed
