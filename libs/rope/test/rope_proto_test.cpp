// Wire forms: segments and deltas survive protobuf encoding unchanged.
#include <gtest/gtest.h>

#include "rope_test_util.hpp"
#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::rope {
namespace {

using testing::make_segment;

TEST(rope_proto, segment_round_trip) {
  segment s = make_segment(42, std::string("a\0\xff", 3), "", 123);
  s.epoch = 9;
  s.leader_hint = node_id{3};
  s.stats.reads_per_s = 1.5;
  s.stats.writes_per_s = 0.25;
  pb::SegmentDescriptor msg = to_proto(s);
  EXPECT_EQ(msg.start_key(), s.start);  // bytes, not text: the 00 survives
  EXPECT_EQ(msg.replicas_size(), 3);
  std::string wire = msg.SerializeAsString();
  pb::SegmentDescriptor parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_EQ(from_proto(parsed), s);
}

TEST(rope_proto, delta_travels_and_applies) {
  rope r = rope::initial(make_segment(1, "", ""));
  rope v = r.split(segment_id{1}, "m", segment_id{2}, segment_id{3}).value();
  v = v.set_leader(segment_id{3}, node_id{2}).value();
  rope_delta d = diff(r, v);
  pb::RopeDelta msg;
  ASSERT_TRUE(msg.ParseFromString(to_proto(d).SerializeAsString()));
  rope_delta back = from_proto(msg);
  EXPECT_EQ(back, d);
  auto applied = apply(r, back);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(applied->segments(), v.segments());
  EXPECT_EQ(applied->version(), v.version());
}

}  // namespace
}  // namespace ropekv::rope
