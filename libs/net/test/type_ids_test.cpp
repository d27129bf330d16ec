#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/message.hpp>

#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::net {
namespace {

// Messages carrying protobuf types survive CAF's binary serialization, which
// is what the middleman uses between processes.
TEST(type_ids, protobuf_messages_roundtrip_inside_caf_messages) {
  caf::actor_system_config cfg;
  cfg.add_message_types<caf::id_block::ropekv>();
  caf::actor_system sys{cfg};
  pb::WriteRequest req;
  req.mutable_routing()->set_segment_id(9);
  req.mutable_mutation()->mutable_put()->mutable_item()->set_hash_key("k");
  auto msg = caf::make_message(req);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  ASSERT_FALSE(sink(msg));
  caf::message back;
  caf::binary_deserializer source{sys, buf};
  ASSERT_FALSE(source(back));
  ASSERT_TRUE(back.match_elements<pb::WriteRequest>());
  EXPECT_EQ(back.get_as<pb::WriteRequest>(0).routing().segment_id(), 9u);
  EXPECT_EQ(back.get_as<pb::WriteRequest>(0).mutation().put().item().hash_key(), "k");
}

TEST(type_ids, block_is_registered_by_name) {
  EXPECT_STREQ(caf::type_name<pb::RaftEnvelope>::value, "ropekv::pb::RaftEnvelope");
  EXPECT_LT(caf::type_id<pb::Status>::value, caf::type_id<pb::ChangeEvent>::value);
}

}  // namespace
}  // namespace ropekv::net
