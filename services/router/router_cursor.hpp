#pragma once
// router_cursor: the opaque `cursor` of query and scan pages.
//
// A cursor says where the next page starts in terms that stay valid when
// segments split, merge or move between pages:
//   pos    (scan, range)  the rope key the next read starts at (forward:
//                         inclusive lower bound; reverse: exclusive upper);
//   after  (range)        the range key of the last item returned;
//          (index)        the rk2 and range key of the last item returned;
//   inner  (scan, range)  a replica's own cursor within segment
//                         (inner_segment, inner_epoch), used only while that
//                         segment still exists at that epoch. It guarantees
//                         progress when a page ends inside a segment without
//                         having found an item (long runs of tombstones).
// It also records the query it belongs to (kind, direction, table), so a
// cursor replayed on another query is 400, not a silent restart.
//
// Wire form: base64url without padding of
//   "RC" version(1) kind flags varint(table) str(pos) str(after) str(after_rk)
//   str(inner) varint(inner_segment) varint(inner_epoch)
// where str is varint(length) + bytes. Decoding is strict: anything else,
// including trailing bytes, is 400 `invalid_argument`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/net/http_error.hpp"

namespace ropekv::router {

enum class walk_kind : uint8_t { scan = 's', range = 'r', index = 'i' };

struct router_cursor {
  walk_kind kind = walk_kind::scan;
  bool reverse = false;
  uint32_t table = 0;
  std::string pos;
  std::optional<std::string> after;
  std::string after_rk;
  uint64_t inner_segment = 0;  // 0: no inner cursor
  uint64_t inner_epoch = 0;
  std::string inner;
  friend bool operator==(const router_cursor&, const router_cursor&) = default;
};

std::string encode_cursor(const router_cursor& c);
net::http_result<router_cursor> decode_cursor(std::string_view text);

}  // namespace ropekv::router
