#pragma once
// pb::Status construction and the routing checks every request starts with.
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/ids.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/store/types.hpp"

namespace ropekv::segment::detail {

pb::Status ok_status();
pb::Status make_status(errc code, std::string message, node_id leader_hint = {});
/// A library error as a Status; not_leader gets the hint.
pb::Status to_status(const error& err, node_id leader_hint = {});
/// A MutationResult's outcome as a Status (ok when error_code is 0).
pb::Status to_status(const pb::MutationResult& r);

/// wrong_segment when the request was routed by another segment id or
/// epoch (0 in the request: not checked); unavailable when this replica
/// holds no segment yet (a joiner before its first snapshot).
std::optional<pb::Status> check_routing(const pb::Routing& routing, const store::segment_meta& meta);

/// [start, end) of the segment holds `key` (end empty: +infinity).
bool covers(const store::segment_meta& meta, std::string_view key);
/// [lo, hi) meets the segment (hi empty: +infinity).
bool overlaps(const store::segment_meta& meta, std::string_view lo, std::string_view hi);

/// wrong_segment unless the item key lies in the segment.
std::optional<pb::Status> check_item(const store::segment_meta& meta, uint32_t table,
                                     std::string_view hash_key, std::string_view range_key);
/// wrong_segment unless some of the partition lies in the segment.
std::optional<pb::Status> check_partition(const store::segment_meta& meta, uint32_t table,
                                          uint32_t partition);

}  // namespace ropekv::segment::detail
