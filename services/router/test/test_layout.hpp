#pragma once
// The rope the router tests route by: two tables, the first cut into three
// segments with one hash key ("hot") split across two of them.
//
//   gap   100  ["", tp(1))
//   A      11  [tp(1), split)        node 1    split = key(items, "hot", "m")
//   B      12  [split, mid)          node 2    mid   = partition_prefix(items, p(hot)+1)
//   C      13  [mid, tp(2))          node 3
//   D      14  [tp(2), tp(3))        node 4    table kvs
//   gap   101  [tp(3), "")
#include <string>
#include <vector>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/rope/rope.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"
#include "request_planner.hpp"

namespace ropekv::router::test {

inline constexpr uint32_t items_id = 1;  // "items": h, r, local index "rank"
inline constexpr uint32_t kv_id = 2;     // "kvs": k only
inline const std::string hot = "hot";

inline std::string split_key() { return item_key(items_id, hot, "m"); }
inline std::string mid_key() {
  return keys::partition_prefix(items_id, static_cast<uint16_t>(keys::partition_of(hot) + 1));
}

inline rope::segment make_segment(uint64_t id, std::string start, std::string end,
                                  std::vector<uint64_t> nodes, uint64_t epoch = 1) {
  rope::segment s;
  s.id = segment_id{id};
  s.start = std::move(start);
  s.end = std::move(end);
  s.epoch = epoch;
  for (uint64_t n : nodes) s.replicas.push_back(node_id{n});
  if (!s.replicas.empty()) s.leader_hint = s.replicas.front();
  return s;
}

inline std::vector<rope::segment> layout_segments() {
  return {make_segment(100, "", keys::table_prefix(1), {}),
          make_segment(11, keys::table_prefix(1), split_key(), {1}),
          make_segment(12, split_key(), mid_key(), {2}),
          make_segment(13, mid_key(), keys::table_prefix(2), {3}),
          make_segment(14, keys::table_prefix(2), keys::table_prefix(3), {4}),
          make_segment(101, keys::table_prefix(3), "", {})};
}

inline pb::TableSchema items_schema() {
  pb::TableSchema t;
  t.set_id(items_id);
  t.set_name("items");
  t.set_hash_key("h");
  t.set_range_key("r");
  t.set_local_index("rank");
  t.set_replication(1);
  return t;
}

inline pb::TableSchema kv_schema() {
  pb::TableSchema t;
  t.set_id(kv_id);
  t.set_name("kvs");
  t.set_hash_key("k");
  t.set_replication(1);
  return t;
}

inline rope::rope make_rope(std::vector<rope::segment> segs, uint64_t version = 1) {
  return std::move(rope::rope::from_segments(std::move(segs), version).value());
}

/// A full update (delta from version 0) of `r` with the given tables and
/// nodes 1..4 (and 9) at `addresses` ("" when not needed).
inline pb::RopeUpdate full_update(const rope::rope& r, const std::vector<pb::TableSchema>& tables,
                                  const std::vector<std::pair<uint64_t, std::string>>& nodes = {}) {
  pb::RopeUpdate u;
  *u.mutable_delta() = rope::to_proto(rope::diff(rope::rope{}, r));
  for (const auto& t : tables) *u.add_tables() = t;
  for (const auto& [id, address] : nodes) {
    auto* n = u.add_nodes();
    n->set_id(id);
    n->set_address(address);
  }
  return u;
}

}  // namespace ropekv::router::test
