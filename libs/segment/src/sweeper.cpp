// TTL sweep (DESIGN §4): expired items are invisible to reads at once; the
// leader removes them periodically through consensus as Expire mutations,
// so every replica (and the change feed) sees the same `expired` events.
#include "replica_state.hpp"

namespace ropekv::segment::detail {

bool maybe_sweep(replica_state& s) {
  int64_t now = s.now_us();
  if (now < s.next_sweep_us || s.sweeps_in_flight != 0) return false;
  s.next_sweep_us = now + s.opts.sweep_interval_us;
  if (s.check_leader()) return false;
  auto batch = s.store->sweep(now, s.opts.sweep_limit);
  if (!batch || batch->empty()) return false;
  for (auto& m : *batch) {
    m.set_timestamp_us(now);
    auto st = s.raft->propose(m.SerializeAsString(), [&s](result<std::string>) {
      // Outcome does not matter: an expire that lost a race with a write is
      // refused by apply (version check), a lost one is swept again.
      --s.sweeps_in_flight;
    });
    if (!st) break;
    ++s.sweeps_in_flight;
    ++s.counters.sweep_proposals;
  }
  return true;
}

}  // namespace ropekv::segment::detail
