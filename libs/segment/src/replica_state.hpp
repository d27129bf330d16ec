#pragma once
// Everything one segment_replica owns, shared by the files that implement
// its parts (lifecycle, writes, reads, admin, sweep).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "envelope_transport.hpp"
#include "read_batcher.hpp"
#include "ropekv/consensus/replica.hpp"
#include "ropekv/segment/segment_replica.hpp"
#include "ropekv/store/segment_store.hpp"
#include "segment_state_machine.hpp"
#include "split_executor.hpp"

namespace ropekv::segment::detail {

/// Declaration order is destruction order in reverse: the Raft replica
/// (which borrows the machine, the transport and, through the machine, the
/// store) goes first.
struct replica_state {
  segment_options opts;
  std::string path;
  segment_id group;
  std::unique_ptr<store::segment_store> store;
  std::unique_ptr<envelope_transport> transport;
  std::unique_ptr<split_executor> splitter;
  std::unique_ptr<segment_state_machine> machine;
  std::unique_ptr<consensus::replica> raft;

  read_batcher reads;
  std::vector<std::unique_ptr<segment_replica>> children;  // split right halves, not yet taken

  // Leader bookkeeping (reset whenever the term changes).
  uint64_t leader_term = 0;       // term in which we last saw ourselves lead
  uint64_t leader_since = 0;      // last log index when that term's leadership was noticed
  bool split_in_flight = false;   // our own split proposal awaits its result
  unsigned membership_in_flight = 0;

  // Feed long polls waiting for a position past theirs (EVENTUAL, wait_ms).
  struct feed_waiter {
    pb::ChangesRequest request;
    std::function<void(pb::ChangesReply)> cb;
    int64_t deadline_us = 0;
  };
  std::vector<feed_waiter> feed_waiters;

  // TTL sweep.
  int64_t next_sweep_us = 0;
  size_t sweeps_in_flight = 0;

  // Chunks (chunker.cpp). The shipper reports on its own thread into the
  // inbox, which poll() drains; shared so a late report outlives us.
  struct chunk_inbox {
    std::mutex mu;
    std::vector<chunk_shipper::outcome> done;
  };
  std::shared_ptr<chunk_inbox> chunk_reports = std::make_shared<chunk_inbox>();
  bool chunk_in_flight = false;  // shipped or proposed, outcome not seen yet
  int64_t next_chunk_us = 0;
  int64_t chunk_retry_us = 0;    // after the shipper refused: not before
  // Sealing manifest requests: answered once the manifest covers `target`.
  struct manifest_waiter {
    uint64_t target = 0;
    int64_t deadline_us = 0;
    std::function<void(pb::ManifestReply)> cb;
  };
  std::vector<manifest_waiter> manifest_waiters;

  segment_replica::counters counters;

  int64_t now_us() const { return opts.clock(); }
  uint64_t now_ms() const {
    int64_t us = opts.clock();
    return us > 0 ? static_cast<uint64_t>(us) / 1000 : 0;
  }
  node_id hint() const {
    auto l = raft->leader();
    return l ? l->id : node_id{};
  }
  /// not_leader (with hint) unless this replica leads and accepts proposals.
  std::optional<pb::Status> check_leader() const;
  /// Notes a new leadership term (for the membership/split guards).
  void observe_leadership();
  /// Entries of earlier terms not applied yet (they may hold a split).
  bool earlier_terms_pending() const;
};

// Parts of poll(), in their own files.
bool maybe_sweep(replica_state& s);
/// Leader: freezes and ships a chunk when due; records shipped ones.
bool maybe_chunk(replica_state& s);
/// Answers sealing manifest requests that are covered, late, or orphaned.
bool wake_manifest_waiters(replica_state& s);
/// The manifest reply as this replica knows it.
pb::ManifestReply manifest_reply(replica_state& s);
/// Answers feed long polls that have news or reached their deadline.
bool wake_feed_waiters(replica_state& s);
/// Answers every feed long poll with `status` (closing).
void fail_feed_waiters(replica_state& s, const pb::Status& status);

}  // namespace ropekv::segment::detail
