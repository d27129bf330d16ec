#pragma once
// request_planner: where a request goes, decided from one routing_snapshot.
// Pure functions; no I/O.
//
// Keys: an item's rope key is keys::encode(keys::make_key(table id, hash
// key, range key)); a table owns [table_prefix(t), table_prefix(t + 1)).
// Replicas: the leader hint when it is one of the replicas (else the first
// replica) for strong reads and writes; eventual reads spread over replicas.
// Gap segments (no replicas) lie outside every table: routing into one means
// the snapshot is behind placement, so it is errc::unavailable (retryable).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/proto/service.pb.h"
#include "routing_snapshot.hpp"

namespace ropekv::router {

/// One segment as routed at one rope version.
struct segment_target {
  segment_id segment;
  uint64_t epoch = 0;
  uint64_t rope_version = 0;
  std::string start;  // the segment's key range [start, end), "" end = +inf
  std::string end;
  std::vector<node_id> replicas;
  node_id leader_hint;

  pb::Routing routing() const;
  /// Leader hint if it is a replica, else the first replica.
  node_id preferred() const;
};

/// The table named `name`: 503 before the first rope, 404 when unknown.
net::http_result<const pb::TableSchema*> find_table(const routing_snapshot& snap,
                                                    std::string_view name);

/// The encoded rope key of an item.
std::string item_key(uint32_t table, std::string_view hash_key, std::string_view range_key);

/// [table_prefix(t), table_prefix(t + 1)); end "" for the largest id.
std::pair<std::string, std::string> table_range(uint32_t table);

/// The prefix every key of (table, hash key) starts with.
std::string hash_key_prefix(uint32_t table, std::string_view hash_key);

segment_target to_target(const rope::segment& seg, uint64_t rope_version);

/// The segment holding `key`; unavailable for a gap or before the first rope.
net::http_result<segment_target> target_for_key(const routing_snapshot& snap, std::string_view key);

/// The segment holding the greatest key below `upper` ("" = +inf), i.e. the
/// one a reverse walk reads next; unavailable for a gap.
net::http_result<segment_target> target_below(const routing_snapshot& snap, std::string_view upper);

/// Segments intersecting [lo, hi) ("" hi = +inf), in key order.
net::http_result<std::vector<segment_target>> targets_for_range(const routing_snapshot& snap,
                                                                std::string_view lo,
                                                                std::string_view hi);

/// The segment still described by id and epoch in `snap`, if any.
std::optional<segment_target> same_segment(const routing_snapshot& snap, segment_id id,
                                           uint64_t epoch);

/// Replica for the first attempt: preferred() for strong reads and writes;
/// for eventual reads one picked by `spread` (e.g. a request counter).
node_id first_replica(const segment_target& t, bool eventual, uint64_t spread);

}  // namespace ropekv::router
