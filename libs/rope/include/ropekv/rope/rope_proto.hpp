#pragma once
// Conversions between rope values and their protobuf wire forms
// (ropekv.proto: SegmentDescriptor, RopeDelta). Kept apart from the rope so
// the tree itself does not depend on protobuf types.
#include "ropekv/proto/ropekv.pb.h"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/segment.hpp"

namespace ropekv::rope {

pb::SegmentStats to_proto(const segment_stats& stats);
pb::SegmentDescriptor to_proto(const segment& seg);
pb::RopeDelta to_proto(const rope_delta& delta);

// Every wire value maps to some value; whether the segments fit together is
// for apply() / rope::from_segments() to check, so these cannot fail.
segment_stats from_proto(const pb::SegmentStats& msg);
segment from_proto(const pb::SegmentDescriptor& msg);
rope_delta from_proto(const pb::RopeDelta& msg);

}  // namespace ropekv::rope
