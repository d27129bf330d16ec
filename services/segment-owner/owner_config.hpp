#pragma once
// Command-line / config-file options of ropekv-segment-owner, through CAF's
// own config (--port=0 --data-dir=DIR --placement=127.0.0.1:7000 --rack=r1
// ...; also settable in caf-application.ini). options() turns them into
// owner_options and says what is wrong with them.
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>

#include <algorithm>
#include <chrono>
#include <string>

#include "chunk_setup.hpp"
#include "host_port.hpp"
#include "owner_options.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/net/service_config.hpp"

namespace ropekv::segment_owner {

struct owner_config : caf::actor_system_config {
  uint16_t port = 0;
  int32_t metrics_port = -1;
  std::string host = "127.0.0.1";
  std::string data_dir = "owner-data";
  std::string placement;
  std::string dc;
  std::string rack;
  std::string host_label;
  std::string numa;
  uint64_t capacity = 0;
  uint64_t heartbeat_ms = 1000;
  uint64_t election_timeout_ms = 600;
  uint32_t snapshot_threshold = 16384;
  uint32_t snapshot_trailing = 2048;
  bool durable_log = true;
  std::string strong_reads = "lease";
  std::string log_level = "info";
  uint64_t split_bytes = 64ull << 20;
  double split_ops_per_s = 4000;
  uint64_t split_check_interval_ms = 10000;
  chunk_settings chunks;

  owner_config() {
    opt_group{custom_options_, "global"}
        .add(port, "port", "TCP port to publish on (0: the OS picks one)")
        .add(metrics_port, "metrics-port", "HTTP port serving GET /healthz, /readyz, /metrics (0: the OS picks; -1: none)")
        .add(host, "host", "address to publish on; host:port is what the owner registers")
        .add(data_dir, "data-dir", "directory holding node.id and segments/ (created if missing)")
        .add(placement, "placement", "host:port of the placement service")
        .add(dc, "dc", "label: data center")
        .add(rack, "rack", "label: rack (replicas of a segment differ by rack by default)")
        .add(host_label, "host-label", "label: physical host")
        .add(numa, "numa", "label: NUMA node")
        .add(capacity, "capacity", "bytes this owner offers for replicas (0: unspecified)")
        .add(heartbeat_ms, "heartbeat-ms", "period of heartbeats and replica probes")
        .add(election_timeout_ms, "election-timeout-ms", "Raft election timeout of hosted replicas")
        .add(snapshot_threshold, "snapshot-threshold", "applied Raft entries between snapshots of a replica")
        .add(snapshot_trailing, "snapshot-trailing", "Raft entries kept behind a snapshot")
        .add(durable_log, "durable-log", "fsync the Raft log on every commit")
        .add(strong_reads, "strong-reads", "lease|barrier: how leaders confirm strong reads")
        .add(split_bytes, "split-bytes", "split a led segment above this many bytes of items (0: never)")
        .add(split_ops_per_s, "split-ops-per-s", "split a led segment above this many reads+writes/s (0: never)")
        .add(split_check_interval_ms, "split-check-interval-ms",
             "how often leaders check their segments; also the load's decay time and the first back-off")
        .add(chunks.blob_store, "blob-store",
             "blob store for chunks and backups: file:///abs/path or s3://bucket/prefix?endpoint=...&region=... (empty: none)")
        .add(chunks.interval_ms, "chunk-interval-ms", "leaders freeze a chunk at least this often when rows were written")
        .add(chunks.min_rows, "chunk-min-rows", "... or as soon as this many rows are new")
        .add(chunks.max_rows, "chunk-max-rows", "rows per chunk at most")
        .add(chunks.backlog_chunks, "chunk-backlog", "chunks queued for the blob store at most (then leaders wait)")
        .add(chunks.backlog_bytes, "chunk-backlog-bytes", "bytes queued for the blob store at most")
        .add(log_level, "log-level", "trace|debug|info|warn|error");
    net::configure_service(*this);
  }

  result<owner_options> options() const {
    owner_options o;
    if (!placement.empty() && !parse_host_port(placement))
      return make_error(errc::invalid_argument, "--placement must be host:port, got '" + placement + "'");
    if (metrics_port < -1 || metrics_port > 65535)
      return make_error(errc::invalid_argument, "--metrics-port must be -1..65535");
    if (snapshot_threshold < 16 || snapshot_trailing == 0)
      return make_error(errc::invalid_argument, "--snapshot-threshold must be >= 16 and --snapshot-trailing >= 1");
    if (heartbeat_ms == 0) return make_error(errc::invalid_argument, "--heartbeat-ms must be positive");
    if (election_timeout_ms < 100) return make_error(errc::invalid_argument, "--election-timeout-ms must be >= 100");
    if (split_ops_per_s < 0) return make_error(errc::invalid_argument, "--split-ops-per-s must be >= 0");
    if (split_check_interval_ms < 10)
      return make_error(errc::invalid_argument, "--split-check-interval-ms must be >= 10");
    if (chunks.interval_ms == 0 || chunks.min_rows == 0 || chunks.max_rows == 0 || chunks.backlog_chunks == 0)
      return make_error(errc::invalid_argument,
                        "--chunk-interval-ms, --chunk-min-rows, --chunk-max-rows and --chunk-backlog must be positive");
    o.chunks.interval_us = static_cast<int64_t>(chunks.interval_ms) * 1000;
    o.chunks.min_rows = chunks.min_rows;
    o.chunks.max_rows = chunks.max_rows;
    o.split.max_bytes = split_bytes;
    o.split.hot_ops_per_s = split_ops_per_s;
    o.split.check_interval = std::chrono::milliseconds(split_check_interval_ms);
    o.host = host;
    o.placement = placement;
    o.dc = dc;
    o.rack = rack;
    o.host_label = host_label;
    o.numa = numa;
    o.capacity_bytes = capacity;
    o.heartbeat = std::chrono::milliseconds(heartbeat_ms);
    o.election_timeout_ms = static_cast<unsigned>(election_timeout_ms);
    o.raft_heartbeat_ms = std::max(20u, o.election_timeout_ms / 6);
    o.snapshot_threshold = snapshot_threshold;
    o.snapshot_trailing = snapshot_trailing;
    o.durable_log = durable_log;
    if (strong_reads == "lease") {
      o.strong_reads = segment::strong_read_mode::lease;
    } else if (strong_reads == "barrier") {
      o.strong_reads = segment::strong_read_mode::barrier;
    } else {
      return make_error(errc::invalid_argument, "--strong-reads must be lease or barrier, got '" + strong_reads + "'");
    }
    return o;
  }
};

}  // namespace ropekv::segment_owner
