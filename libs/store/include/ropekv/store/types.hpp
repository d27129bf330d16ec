#pragma once
// Plain option, query and result types of the segment store (no SQLite, no
// behaviour), so callers can build requests without pulling in the store.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::store {

/// Size limits (DESIGN §2). Over a limit: errc::too_large.
inline constexpr size_t max_hash_key_bytes = 2048;
inline constexpr size_t max_range_key_bytes = 1024;
inline constexpr size_t max_rk2_bytes = 1024;
inline constexpr size_t max_value_bytes = 400 * 1024;

/// Stored in the file header (PRAGMA application_id): "RKVS".
inline constexpr int32_t application_id = 0x524B5653;
/// Version of the store tables; a file with another version is refused.
inline constexpr int64_t schema_version = 3;

struct store_options {
  /// synchronous=FULL instead of NORMAL. NORMAL in WAL mode never loses a
  /// commit on process death, only the last commits on power loss.
  bool synchronous_full = false;
  /// How long superseded and deleted versions stay readable (as_of, rollback).
  int64_t retention_us = int64_t{24} * 3600 * 1000 * 1000;
  int busy_timeout_ms = 5000;
  /// SQLite page cache per connection.
  int cache_size_kib = 65536;
  /// Page size of a new file. A write dirties a few random index pages and
  /// WAL mode appends each whole: small pages cut the bytes written per
  /// write (docs/performance.md).
  int page_size = 1024;
  /// How long a request_key's first outcome is kept (de-duplication of
  /// retries), and a decided transaction's record. Measured on mutation
  /// timestamps, so every replica drops the same rows.
  int64_t request_retention_us = int64_t{10} * 60 * 1000 * 1000;
};

/// Reads never consult the wall clock: callers pass it.
struct read_options {
  int64_t now_us = 0;    // TTL visibility: items with expiry <= now are invisible
  uint64_t as_of = 0;    // 0: latest; else the state at this version
};

/// Range query within one (table, hash key).
struct range_query {
  uint32_t table = 0;
  std::string hash_key;
  bool by_rk2 = false;                // order by the local index key instead of range key
  std::optional<std::string> from;    // inclusive bound (range key, or rk2 when by_rk2)
  std::optional<std::string> to;      // exclusive bound
  bool reverse = false;
  size_t limit = 100;                 // capped at 10000; 0 means the default
  std::string cursor;                 // next_cursor of the previous page, or empty
  read_options read;
};

/// Scan of encoded rope keys [start, end) in rope order; end empty: +infinity.
struct scan_query {
  std::string start;
  std::string end;
  size_t limit = 100;                 // capped at 10000; 0 means the default
  std::string cursor;
  read_options read;
  /// Change-feed position to read at; 0: the latest state. Non-zero: each
  /// key as it was once the events at positions <= at_position had applied
  /// (rollbacks after it not applied), TTL not applied (read.now_us
  /// ignored): exactly what replaying changes_since(0) up to it gives.
  uint64_t at_position = 0;
};

/// A page of items. next_cursor empty: nothing more. A page may hold fewer
/// than `limit` items (even none) while next_cursor is set: each call stops
/// after examining a bounded number of stored versions.
struct page {
  std::vector<pb::Item> items;
  std::string next_cursor;
};

/// Per-partition aggregates, kept incrementally. `items` counts live items,
/// including expired ones the sweep has not removed yet; `bytes` sums
/// hash key + range key + value + rk2 sizes of those items.
struct partition_info {
  uint32_t table = 0;
  uint16_t partition = 0;
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t head_version = 0;          // latest non-void version (0: none)
  uint64_t max_issued_version = 0;    // highest version ever issued, voided included
  size_t void_ranges = 0;             // merged void ranges currently remembered
};

/// Aggregates of everything a store holds: the sums of its partitions'
/// items and bytes (as partition_info counts them). What an owner compares
/// with its split size (DESIGN §6): logical bytes, not the file's size,
/// which also holds the Raft log and the retained history.
struct store_totals {
  uint64_t items = 0;
  uint64_t bytes = 0;
  uint64_t partitions = 0;  // partitions with stored versions or state
};

/// Which part of the rope this replica holds; persisted in the file so an
/// owner can reopen its replicas after a restart.
struct segment_meta {
  uint64_t segment_id = 0;
  std::string start_key;              // inclusive
  std::string end_key;                // exclusive; empty: +infinity
  uint64_t epoch = 0;
  friend bool operator==(const segment_meta&, const segment_meta&) = default;
};

/// A mutation with the consensus log index it was committed at (0: none).
struct indexed_mutation {
  const pb::Mutation* mutation = nullptr;
  uint64_t log_index = 0;
};

}  // namespace ropekv::store
