#pragma once
// consensus::transport that wraps each outbound Raft message of one group
// into a pb::RaftEnvelope and hands it to the owner's sink.
#include <string>
#include <string_view>
#include <utility>

#include "ropekv/common/ids.hpp"
#include "ropekv/consensus/transport.hpp"
#include "ropekv/segment/segment_options.hpp"

namespace ropekv::segment::detail {

/// Owns the sink (a copy of the owner's function).
/// Who touches it: the replica's io, from the thread polling the replica.
/// The sink must not call back into the replica on the same stack (it
/// queues: a CAF send, an in-memory network).
class envelope_transport final : public consensus::transport {
 public:
  envelope_transport(segment_id group, node_id self, envelope_sink sink)
      : group_(group), self_(self), sink_(std::move(sink)) {}

  void send(node_id to, std::string_view address, std::string bytes) override;

 private:
  segment_id group_;
  node_id self_;
  envelope_sink sink_;
};

}  // namespace ropekv::segment::detail
