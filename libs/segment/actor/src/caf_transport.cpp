#include "caf_transport.hpp"

#include <caf/typed_event_based_actor.hpp>

namespace ropekv::segment::detail {

envelope_sink make_caf_sink(segment_replica_actor::pointer self, std::shared_ptr<peer_directory> directory) {
  return [self, directory = std::move(directory)](pb::RaftEnvelope env) {
    if (!directory) return;
    auto peer = directory->find(segment_id{env.segment_id()}, node_id{env.to_node()});
    if (!peer) return;
    self->send(*peer, std::move(env));
  };
}

}  // namespace ropekv::segment::detail
