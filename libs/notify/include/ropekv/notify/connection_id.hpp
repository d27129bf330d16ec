#pragma once
// connection_id: names one WebSocket connection of one ws_server. Unique per
// server for its whole lifetime (never reused), so a stale id can only miss,
// never hit another client.
#include "ropekv/common/ids.hpp"

namespace ropekv::notify {

using connection_id = tagged_id<struct connection_id_tag>;

}  // namespace ropekv::notify
