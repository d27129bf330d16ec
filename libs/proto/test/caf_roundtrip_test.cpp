#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>

#include "ropekv/proto/caf_inspect.hpp"

namespace ropekv::pb {
namespace {

template <class T>
T roundtrip(T& in) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(in));
  T out;
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_FALSE(source(out));
  return out;
}

TEST(proto_caf, mutation_roundtrips_through_binary_serializer) {
  Mutation m;
  m.set_timestamp_us(1234567);
  m.set_request_id(99);
  auto* put = m.mutable_put();
  put->mutable_item()->set_table_id(7);
  put->mutable_item()->set_hash_key(std::string("h\0k", 3));
  put->mutable_item()->set_value(R"({"a":1})");
  put->set_condition(COND_IF_VERSION);
  put->set_expected_version(42);
  Mutation back = roundtrip(m);
  EXPECT_EQ(back.SerializeAsString(), m.SerializeAsString());
  EXPECT_EQ(back.put().item().hash_key(), std::string("h\0k", 3));
  EXPECT_EQ(back.op_case(), Mutation::kPut);
}

TEST(proto_caf, rope_delta_roundtrips) {
  RopeDelta d;
  d.set_from_version(3);
  d.set_to_version(4);
  d.add_removed_segments(11);
  auto* s = d.add_upserted_segments();
  s->set_id(12);
  s->set_start_key("a");
  s->add_replicas(1);
  s->add_replicas(2);
  s->mutable_stats()->set_bytes(1 << 20);
  RopeDelta back = roundtrip(d);
  EXPECT_EQ(back.SerializeAsString(), d.SerializeAsString());
}

TEST(proto_caf, garbage_bytes_fail_to_load) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  std::string junk = "\xFF\xFF\xFF\xFF\x0F";  // truncated varint field
  EXPECT_FALSE(sink(junk));
  Mutation out;
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_TRUE(source(out));  // an error, not a crash
}

TEST(proto_caf, prints_with_type_name) {
  NodeDescriptor n;
  n.set_id(5);
  EXPECT_NE(caf::deep_to_string(n).find("ropekv.pb.NodeDescriptor"), std::string::npos);
}

}  // namespace
}  // namespace ropekv::pb
