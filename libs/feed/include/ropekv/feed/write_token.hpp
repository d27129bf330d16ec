#pragma once
// The write token: what a write response carries next to its version so
// that a client can later ask a feed reader (an index) to have caught up
// with that write (DESIGN §7, docs/indexes.md "read your writes").
//
// A token names (table, the item's encoded key, the write's feed
// position). A reader whose feed_position has reached `position` at `key`
// has seen the write: positions follow keys across splits and moves.
// Text form: base64url (no padding) of pb::WriteToken.
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::feed {

std::string encode_write_token(uint32_t table, std::string_view key, uint64_t position);
/// invalid_argument ("bad_token") when `text` is not a write token.
result<pb::WriteToken> parse_write_token(std::string_view text);
/// Whether `read` (a reader of the token's table) has read the write.
bool has_read(const feed_position& read, const pb::WriteToken& token);

}  // namespace ropekv::feed
