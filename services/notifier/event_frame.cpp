#include "event_frame.hpp"

#include "item_json.hpp"
#include "responses.hpp"
#include "ropekv/net/json_writer.hpp"

namespace ropekv::notifier {

std::optional<notify::event_kind> kind_of(const pb::ChangeEvent& e) {
  switch (e.kind()) {
    case pb::CHANGE_CREATE: return notify::event_kind::create;
    case pb::CHANGE_PUT:  // a store file from before create/update was recorded
    case pb::CHANGE_UPDATE: return notify::event_kind::update;
    case pb::CHANGE_DELETE: return notify::event_kind::remove;
    case pb::CHANGE_EXPIRED: return notify::event_kind::expired;
    case pb::CHANGE_ROLLBACK: return notify::event_kind::rollback;
    default: return std::nullopt;
  }
}

std::string event_body(const pb::ChangeEvent& e, std::string_view table, bool has_range_key,
                       std::string_view token) {
  auto kind = kind_of(e);
  net::json_writer w;
  w.begin_object();  // the leading '{' is dropped below: the body continues a frame
  w.field("kind", kind ? notify::to_string(*kind) : std::string_view("unknown"));
  w.field("table", table);
  w.field("partition", static_cast<uint64_t>(e.partition()));
  if (kind == notify::event_kind::rollback) {
    w.field("version", static_cast<uint64_t>(e.version()));
    w.field("to_version", static_cast<uint64_t>(e.rollback_to_version()));
  } else {
    router::write_key(w, "hash_key", e.item().hash_key());
    if (has_range_key) router::write_key(w, "range_key", e.item().range_key());
    w.field("version", static_cast<uint64_t>(e.version()));
    w.field("prev_version", static_cast<uint64_t>(e.prev_version()));
    // Events of one transaction share its id (hex): what committed together.
    if (!e.txn_id().empty()) w.field("txn", router::hex(e.txn_id()));
    if (kind == notify::event_kind::create || kind == notify::event_kind::update) {
      w.key("item");
      if (e.item().value().empty()) w.raw("{}");
      else w.raw(e.item().value());
      if (e.item().expires_at_ms() > 0) w.field("expires_at_ms", static_cast<int64_t>(e.item().expires_at_ms()));
    }
  }
  w.field("timestamp_us", static_cast<int64_t>(e.timestamp_us()));
  w.field("token", token);
  w.end_object();
  std::string out = w.take();
  out[0] = ',';
  return out;
}

std::string event_frame(std::string_view sub_id_json, std::string_view body) {
  std::string out;
  out.reserve(20 + sub_id_json.size() + body.size());
  out += R"({"op":"event","sub":)";
  out += sub_id_json;
  out += body;
  return out;
}

}  // namespace ropekv::notifier
