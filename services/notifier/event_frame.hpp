#pragma once
// event_frame: the JSON of an `event` frame (docs/notifier.md):
//   {"op":"event","sub":ID,"kind":"update","table":"t","partition":12,
//    "hash_key":"k","range_key":"r","version":17,"prev_version":9,
//    "item":{...},"expires_at_ms":...,"token":"..."}
// hash_key/range_key follow the router's key rule (hash_key_base64 for a
// key that is not UTF-8); range_key only for tables with one; item only for
// create and update; a rollback names the partition and carries
// "to_version" (the version rolled back to) instead of keys and item.
//
// The body after "sub" is the same for every subscription that receives
// the event, so it is rendered once (event_body) and each frame is
// `{"op":"event","sub":` + id + body.
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/notify/event_kind.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::notifier {

/// The wire kind of a feed event; nullopt for kinds clients never see.
std::optional<notify::event_kind> kind_of(const pb::ChangeEvent& e);

/// `,"kind":...,"token":"..."}` for one event of `table`.
std::string event_body(const pb::ChangeEvent& e, std::string_view table, bool has_range_key,
                       std::string_view token);

/// The whole frame for one subscription.
std::string event_frame(std::string_view sub_id_json, std::string_view body);

}  // namespace ropekv::notifier
