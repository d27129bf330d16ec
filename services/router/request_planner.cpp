#include "request_planner.hpp"

#include <algorithm>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

namespace ropekv::router {

pb::Routing segment_target::routing() const {
  pb::Routing r;
  r.set_segment_id(segment.value);
  r.set_epoch(epoch);
  r.set_rope_version(rope_version);
  return r;
}

node_id segment_target::preferred() const {
  if (leader_hint.value != 0 &&
      std::find(replicas.begin(), replicas.end(), leader_hint) != replicas.end())
    return leader_hint;
  return replicas.empty() ? node_id{} : replicas.front();
}

net::http_result<const pb::TableSchema*> find_table(const routing_snapshot& snap,
                                                    std::string_view name) {
  if (!snap.ready())
    return net::http_error::from(errc::unavailable, "router has no rope from placement yet");
  const pb::TableSchema* t = snap.table(name);
  if (!t) return net::http_error::from(errc::not_found, "no such table: " + std::string(name));
  return t;
}

std::string item_key(uint32_t table, std::string_view hash_key, std::string_view range_key) {
  return keys::encode(keys::make_key(table, std::string(hash_key), std::string(range_key)));
}

std::pair<std::string, std::string> table_range(uint32_t table) {
  std::string lo = keys::table_prefix(table);
  return {lo, keys::prefix_end(lo)};
}

std::string hash_key_prefix(uint32_t table, std::string_view hash_key) {
  return keys::hash_key_prefix(table, keys::partition_of(hash_key), hash_key);
}

segment_target to_target(const rope::segment& seg, uint64_t rope_version) {
  return segment_target{seg.id,  seg.epoch,    rope_version,   seg.start,
                        seg.end, seg.replicas, seg.leader_hint};
}

namespace {

net::http_result<segment_target> checked(const rope::segment& seg, uint64_t version) {
  if (seg.replicas.empty())
    return net::http_error::from(errc::unavailable,
                                 "key routes to a segment without replicas (rope " +
                                     std::to_string(version) + ")");
  return to_target(seg, version);
}

net::http_error no_rope() {
  return net::http_error::from(errc::unavailable, "router has no rope from placement yet");
}

}  // namespace

net::http_result<segment_target> target_for_key(const routing_snapshot& snap, std::string_view key) {
  if (!snap.ready()) return no_rope();
  return checked(snap.rope.get_segment(key), snap.version());
}

net::http_result<segment_target> target_below(const routing_snapshot& snap, std::string_view upper) {
  if (!snap.ready()) return no_rope();
  if (upper.empty()) return checked(snap.rope.at(snap.rope.size() - 1), snap.version());
  size_t rank = snap.rope.rank_of(upper);
  const rope::segment& seg = snap.rope.at(rank);
  if (seg.start < upper || rank == 0) return checked(seg, snap.version());
  return checked(snap.rope.at(rank - 1), snap.version());
}

net::http_result<std::vector<segment_target>> targets_for_range(const routing_snapshot& snap,
                                                                std::string_view lo,
                                                                std::string_view hi) {
  if (!snap.ready()) return no_rope();
  std::vector<segment_target> out;
  for (size_t rank = snap.rope.rank_of(lo); rank < snap.rope.size(); ++rank) {
    const rope::segment& seg = snap.rope.at(rank);
    if (!hi.empty() && seg.start >= hi) break;
    auto t = checked(seg, snap.version());
    if (!t) return std::move(t).error();
    out.push_back(std::move(*t));
    if (seg.end.empty()) break;
  }
  return out;
}

std::optional<segment_target> same_segment(const routing_snapshot& snap, segment_id id,
                                           uint64_t epoch) {
  if (!snap.ready()) return std::nullopt;
  const rope::segment* seg = snap.rope.find(id);
  if (!seg || seg->epoch != epoch || seg->replicas.empty()) return std::nullopt;
  return to_target(*seg, snap.version());
}

node_id first_replica(const segment_target& t, bool eventual, uint64_t spread) {
  if (!eventual || t.replicas.empty()) return t.preferred();
  return t.replicas[spread % t.replicas.size()];
}

}  // namespace ropekv::router
