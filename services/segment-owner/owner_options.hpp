#pragma once
// Tunables of one segment-owner. main.cpp fills them from CAF's config
// (owner_config.hpp); tests set them directly. Plain values, no CAF.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ropekv/segment/segment_options.hpp"
#include "split_policy.hpp"

namespace ropekv::segment_owner {

/// One hosted replica as the owner last reported it to placement.
struct replica_report {
  uint64_t segment = 0;
  uint64_t epoch = 0;
  bool leader = false;
  uint64_t bytes = 0;  // its SQLite files
  uint64_t items = 0;  // 0: not measured
};

struct owner_options {
  /// Where the owner's actor is published; the address it registers is
  /// host:port of that actor.
  std::string host = "127.0.0.1";
  /// "host:port" of placement; empty: run without placement (serve the
  /// replicas already on disk, accept no assignments).
  std::string placement;

  // Labels and capacity declared to placement (DESIGN §6).
  std::string dc;
  std::string rack;
  std::string host_label;
  std::string numa;
  uint64_t capacity_bytes = 0;

  /// Heartbeats (and replica probes, which feed them) go out this often;
  /// well under placement's down_after.
  std::chrono::milliseconds heartbeat{1000};
  /// The owner's timer: registration retries, peer connects and reopen
  /// attempts are checked this often.
  std::chrono::milliseconds tick{100};
  /// Waiting for placement or a peer connection longer than this fails the
  /// attempt (it is retried with backoff).
  std::chrono::milliseconds call_timeout{3000};
  /// On a graceful stop, how long the owner waits for the leadership
  /// transfers of the groups it leads before it closes them anyway.
  std::chrono::milliseconds handoff_budget{3000};
  /// Retries of connects and registrations back off from min to max.
  std::chrono::milliseconds backoff_min{200};
  std::chrono::milliseconds backoff_max{5000};

  // Raft of every hosted replica. An election starts after 1–2 election
  // timeouts of silence: 600 ms keeps a lost leader's writes resuming well
  // within 2 s.
  unsigned election_timeout_ms = 600;
  unsigned raft_heartbeat_ms = 100;
  /// Applied entries between Raft snapshots, and entries kept behind one.
  /// A snapshot today serialises the whole segment store (O(store size),
  /// on the replica's thread), so it must be rare: at 1024 it stalled each
  /// replica for hundreds of ms every few seconds under load
  /// (docs/performance.md). Followers further behind than `trailing`
  /// catch up from a snapshot.
  unsigned snapshot_threshold = 16384;
  unsigned snapshot_trailing = 2048;
  /// fsync the Raft log on every commit.
  bool durable_log = true;
  /// How leaders confirm STRONG reads: a leader lease (no log round while
  /// the lease holds) or a Raft barrier per batch of reads.
  segment::strong_read_mode strong_reads = segment::strong_read_mode::lease;
  /// Stage timings of every hosted replica (owner_metrics); may be empty.
  consensus::stage_observer observe;
  /// Called on the owner actor's thread whenever placement accepts a
  /// heartbeat, with the replicas it reported (owner_metrics: readiness
  /// and per-replica gauges); may be empty.
  std::function<void(const std::vector<replica_report>&)> on_report;
  /// Called on the owner actor's thread when a replica's file failed its
  /// checks at open and the replica is rebuilt from its peers
  /// (owner_metrics counts it); may be empty.
  std::function<void()> on_replica_corrupt;
  /// How often a replica actor polls its replica when nothing else wakes it.
  std::chrono::milliseconds replica_tick{10};
  /// Chunks of the hosted leaders (docs/backup.md); no shipper: none.
  segment::chunk_options chunks;
  /// When the leaders here split their segments (owner_splits.cpp).
  split_settings split;
  /// BROKEN ON PURPOSE, tests/chaos only: puts answered before they commit (unsafe_ack.hpp).
  bool unsafe_ack_before_commit = false;
};

}  // namespace ropekv::segment_owner
