#include "envelope_transport.hpp"

namespace ropekv::segment::detail {

void envelope_transport::send(node_id to, std::string_view, std::string bytes) {
  if (!sink_) return;  // a replica without a network loses messages: Raft copes
  pb::RaftEnvelope env;
  env.set_segment_id(group_.value);
  env.set_from_node(self_.value);
  env.set_to_node(to.value);
  env.set_payload(std::move(bytes));
  sink_(std::move(env));
}

}  // namespace ropekv::segment::detail
