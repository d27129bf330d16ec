#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::rope {

pb::SegmentStats to_proto(const segment_stats& stats) {
  pb::SegmentStats msg;
  msg.set_bytes(stats.bytes);
  msg.set_items(stats.items);
  msg.set_reads_per_s(stats.reads_per_s);
  msg.set_writes_per_s(stats.writes_per_s);
  return msg;
}

pb::SegmentDescriptor to_proto(const segment& seg) {
  pb::SegmentDescriptor msg;
  msg.set_id(seg.id.value);
  msg.set_start_key(seg.start);
  msg.set_end_key(seg.end);
  msg.set_epoch(seg.epoch);
  for (node_id n : seg.replicas) msg.add_replicas(n.value);
  msg.set_leader_hint(seg.leader_hint.value);
  *msg.mutable_stats() = to_proto(seg.stats);
  return msg;
}

pb::RopeDelta to_proto(const rope_delta& delta) {
  pb::RopeDelta msg;
  msg.set_from_version(delta.from_version);
  msg.set_to_version(delta.to_version);
  for (segment_id id : delta.removed) msg.add_removed_segments(id.value);
  for (const segment& s : delta.upserted) *msg.add_upserted_segments() = to_proto(s);
  return msg;
}

segment_stats from_proto(const pb::SegmentStats& msg) {
  return {msg.bytes(), msg.items(), msg.reads_per_s(), msg.writes_per_s()};
}

segment from_proto(const pb::SegmentDescriptor& msg) {
  segment s;
  s.id = segment_id{msg.id()};
  s.start = msg.start_key();
  s.end = msg.end_key();
  s.epoch = msg.epoch();
  s.replicas.reserve(static_cast<size_t>(msg.replicas_size()));
  for (uint64_t n : msg.replicas()) s.replicas.push_back(node_id{n});
  s.leader_hint = node_id{msg.leader_hint()};
  s.stats = from_proto(msg.stats());
  return s;
}

rope_delta from_proto(const pb::RopeDelta& msg) {
  rope_delta d;
  d.from_version = msg.from_version();
  d.to_version = msg.to_version();
  d.removed.reserve(static_cast<size_t>(msg.removed_segments_size()));
  for (uint64_t id : msg.removed_segments()) d.removed.push_back(segment_id{id});
  d.upserted.reserve(static_cast<size_t>(msg.upserted_segments_size()));
  for (const auto& s : msg.upserted_segments()) d.upserted.push_back(from_proto(s));
  return d;
}

}  // namespace ropekv::rope
