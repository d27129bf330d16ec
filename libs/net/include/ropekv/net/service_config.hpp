#pragma once
// What every RopeKV process's actor system is configured with, in one
// place: the project's message types, the middleman, and the scheduler.
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/io/middleman.hpp>

#include "ropekv/net/cluster_tls.hpp"
#include "ropekv/net/type_ids.hpp"

namespace ropekv::net {

/// Called from each service's config constructor, before parse(), so the
/// command line and caf-application.ini can still override any of it.
///
/// Scheduler: CAF 0.17's default work-stealing workers, once idle, poll
/// their queues with sleeps of 50 µs and then 10 ms; a request that finds
/// every worker asleep waits for the next poll, and every request here
/// crosses several actors. The sharing policy wakes a worker through a
/// condition variable when work is enqueued instead. Measured end to end
/// in docs/performance.md (c1 GET p50, c50 PUT throughput).
inline void configure_service(caf::actor_system_config& cfg) {
  cfg.add_message_types<caf::id_block::ropekv>();
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.policy", caf::atom("sharing"));
  add_cluster_tls_options(cfg);  // --cluster-ca/-cert/-key (cluster_tls.hpp)
}

}  // namespace ropekv::net
