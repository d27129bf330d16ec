#pragma once
// The store's tables, their creation and validation on open, and the one
// meta row (segment meta and store counters).
//
// Tables (all prefixed kv_; other components may add raft_ tables):
//   kv_meta        one row: schema version, segment meta, counters
//   kv_items       one row per stored version; rowid = change-feed position;
//                  carries the partition's aggregates after that version
//   kv_voids       one row per rollback; rowid = change-feed position
//   kv_partitions  per-partition max_issued and aggregate base (written only
//                  by compaction, split and install, never per write)
//   kv_locks       a pending transaction's lock per item it touches; the
//                  item's partition is locked with it (txn_tables.hpp)
//   kv_txns        transaction records at their primary, and participants'
//                  marks of the transactions they resolved
//   kv_requests    first outcomes of de-duplicated requests
//   kv_chunks      the chunk manifest: chunks of this segment's rows in the
//                  blob store (chunks.cpp, docs/backup.md)
#include <cstdint>
#include <string>

#include "ropekv/common/result.hpp"
#include "ropekv/store/types.hpp"
#include "sqlite.hpp"

namespace ropekv::store::detail {

/// Persistent counters. applied_index and next_position are also implied by
/// the newest kv_items / kv_voids rows (each carries its log index), so a
/// write that adds a row need not rewrite this one; load_meta() takes the max.
struct persisted_meta {
  segment_meta seg;
  uint64_t applied_index = 0;
  uint64_t next_position = 1;    // positions start at 1: changes_since(0) is everything
  uint64_t history_floor = 0;    // as_of / rollback target below: version_gone
  uint64_t feed_floor = 0;       // changes_since(p < feed_floor): version_gone
  uint64_t compact_position = 0; // rows at or below were examined by compaction
};

/// Runs connection_pragmas(), then creates the tables in an empty file or
/// validates application_id and schema version of an existing one.
/// Foreign or damaged files: errc::corrupt with the reason.
status prepare_schema(database& db, const std::string& path, const store_options& opts);

/// Reads the meta row and derives applied_index / next_position from rows.
result<persisted_meta> load_meta(database& db);

/// Rewrites the meta row (inside the caller's transaction).
status save_meta(database& db, const persisted_meta& meta);

/// Deletes all rows of the store tables (for install); meta row reset.
status clear_tables(database& db);

}  // namespace ropekv::store::detail
