#pragma once
// The CAF side of the consensus transport: segment_replica wraps each Raft
// message of its group into a pb::RaftEnvelope (envelope_transport, the
// consensus::transport implementation); this sink delivers the envelope as
// a CAF message to the peer actor found in the directory.
#include <memory>

#include "ropekv/segment/peer_directory.hpp"
#include "ropekv/segment/segment_actor.hpp"
#include "ropekv/segment/segment_options.hpp"

namespace ropekv::segment::detail {

/// The sink sends asynchronously (never re-enters the replica) and drops
/// envelopes for peers it cannot resolve: Raft retries. `self` must be the
/// actor that polls the replica; the sink is only called from its handlers.
envelope_sink make_caf_sink(segment_replica_actor::pointer self, std::shared_ptr<peer_directory> directory);

}  // namespace ropekv::segment::detail
