#include "replies.hpp"

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::segment::detail {

pb::Status ok_status() { return pb::Status{}; }

pb::Status make_status(errc code, std::string message, node_id leader_hint) {
  pb::Status s;
  s.set_error_code(static_cast<uint32_t>(code));
  s.set_message(std::move(message));
  if (code == errc::not_leader) s.set_leader_hint(leader_hint.value);
  return s;
}

pb::Status to_status(const error& err, node_id leader_hint) {
  return make_status(err.code, err.message, leader_hint);
}

pb::Status to_status(const pb::MutationResult& r) {
  if (r.error_code() == 0) return ok_status();
  pb::Status s;
  s.set_error_code(r.error_code());
  s.set_message(r.error_message());
  return s;
}

bool covers(const store::segment_meta& meta, std::string_view key) {
  return key >= meta.start_key && (meta.end_key.empty() || key < meta.end_key);
}

bool overlaps(const store::segment_meta& meta, std::string_view lo, std::string_view hi) {
  bool below_end = meta.end_key.empty() || lo < meta.end_key;
  bool above_start = hi.empty() || hi > meta.start_key;
  return below_end && above_start;
}

std::optional<pb::Status> check_routing(const pb::Routing& routing, const store::segment_meta& meta) {
  if (meta.segment_id == 0) {
    return make_status(errc::unavailable, "replica has not received its segment yet");
  }
  if (routing.segment_id() != 0 && routing.segment_id() != meta.segment_id) {
    return make_status(errc::wrong_segment, "routed to segment " + std::to_string(routing.segment_id()) +
                                                ", this replica holds " + std::to_string(meta.segment_id));
  }
  if (routing.epoch() != 0 && routing.epoch() != meta.epoch) {
    return make_status(errc::wrong_segment, "routed by epoch " + std::to_string(routing.epoch()) +
                                                ", segment is at epoch " + std::to_string(meta.epoch));
  }
  return std::nullopt;
}

std::optional<pb::Status> check_item(const store::segment_meta& meta, uint32_t table,
                                     std::string_view hash_key, std::string_view range_key) {
  std::string key = keys::encode(keys::item_key{table, keys::partition_of(hash_key),
                                                std::string(hash_key), std::string(range_key)});
  if (covers(meta, key)) return std::nullopt;
  return make_status(errc::wrong_segment, "key outside segment " + std::to_string(meta.segment_id));
}

std::optional<pb::Status> check_partition(const store::segment_meta& meta, uint32_t table,
                                          uint32_t partition) {
  if (partition >= keys::partitions_per_table) {
    return make_status(errc::invalid_argument, "partition out of range");
  }
  std::string prefix = keys::partition_prefix(table, static_cast<uint16_t>(partition));
  if (overlaps(meta, prefix, keys::prefix_end(prefix))) return std::nullopt;
  return make_status(errc::wrong_segment, "partition outside segment " + std::to_string(meta.segment_id));
}

}  // namespace ropekv::segment::detail
