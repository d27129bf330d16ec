// Chunks (docs/backup.md "Chunks and manifests"): the leader periodically
// freezes the rows written since the manifest's end into a chunk, hands it
// to the shipper (which uploads and verifies it on its own thread), and
// only then proposes the chunk's record through the log. A leader killed
// before the record commits leaves an unreferenced object in the blob
// store, never a referenced partial one.
//
// One chunk per replica is in flight at a time; while the shipper is
// backed up (blob store down) the rows simply stay in the store and the
// next chunk covers them, so the backlog is bounded by the shipper, not
// by the write rate.
#include <algorithm>

#include "replica_state.hpp"

namespace ropekv::segment::detail {
namespace {

bool record_shipped(replica_state& s, chunk_shipper::outcome o) {
  if (!o.stored || s.check_leader()) {
    // Not stored, or we no longer lead: whoever leads freezes again from
    // the manifest's end (the object, if any, is garbage for GC).
    if (!o.stored) ++s.counters.chunks_refused;
    s.chunk_in_flight = false;
    return false;
  }
  pb::Mutation m;
  m.set_timestamp_us(s.now_us());
  *m.mutable_chunk() = std::move(o.record);
  auto st = s.raft->propose(m.SerializeAsString(), [&s](result<std::string> r) {
    s.chunk_in_flight = false;
    pb::MutationResult res;
    if (r && res.ParseFromString(*r) && res.error_code() == 0) {
      ++s.counters.chunks_recorded;
    } else {
      ++s.counters.chunks_refused;
    }
  });
  if (!st) {
    s.chunk_in_flight = false;
    return false;
  }
  return true;
}

}  // namespace

bool maybe_chunk(replica_state& s) {
  std::vector<chunk_shipper::outcome> reports;
  {
    std::lock_guard lock(s.chunk_reports->mu);
    reports.swap(s.chunk_reports->done);
  }
  bool did = false;
  for (auto& o : reports) did = record_shipped(s, std::move(o)) || did;

  const auto& opts = s.opts.chunks;
  if (!opts.shipper || s.chunk_in_flight) return did;
  if (s.check_leader()) {
    s.next_chunk_us = 0;
    return did;
  }
  int64_t now = s.now_us();
  if (now < s.chunk_retry_us) return did;
  if (s.next_chunk_us == 0) s.next_chunk_us = now + opts.interval_us;  // a new leader waits one interval
  uint64_t chunked = s.store->chunked_position();
  uint64_t last = s.store->last_position();
  if (last <= chunked) return did;
  bool sealing = !s.manifest_waiters.empty();  // a backup waits: chunk now
  if (!sealing && last - chunked < opts.min_rows && now < s.next_chunk_us) return did;
  s.next_chunk_us = now + opts.interval_us;
  auto frozen = s.store->freeze_chunk(opts.max_rows, now);
  if (!frozen || !frozen->has_value()) return did;
  auto inbox = s.chunk_reports;
  bool taken = opts.shipper->ship(
      s.group.value, std::move((*frozen)->bytes), std::move((*frozen)->record),
      [inbox](chunk_shipper::outcome o) {
        std::lock_guard lock(inbox->mu);
        inbox->done.push_back(std::move(o));
      });
  if (!taken) {
    // Backlog full: the rows stay here; try again in a while, not per poll.
    s.chunk_retry_us = now + std::min<int64_t>(opts.interval_us, 1'000'000);
    ++s.counters.chunk_backlog_full;
    return did;
  }
  s.chunk_in_flight = true;
  ++s.counters.chunks_shipped;
  return true;
}

}  // namespace ropekv::segment::detail
