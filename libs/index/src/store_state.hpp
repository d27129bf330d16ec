#pragma once
// The index store's private state and the row-level operations its public
// methods are made of (index_store.hpp is the contract). Split by concern:
//   store_meta.cpp   schema, meta row and backfill ranges on disk
//   store_rows.cpp   applying one put / removal / range deletion, with the
//                    entries and unique_violations counters kept exact
//   index_store.cpp  open, backfill and tailing (the transactions)
//   index_query.cpp  query pages, cursors, dump
//
// Invariants (after every committed transaction):
//   - a row (ikey, pk) exists iff base[pk].ikey == ikey;
//   - counters.entries == rows; for unique indexes
//     counters.unique_violations == index keys with more than one row;
//   - the meta row equals the in-memory phase/counters/position/ranges.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ropekv/index/attribute_path.hpp"
#include "ropekv/index/index_store.hpp"
#include "ropekv/sqlite/connection.hpp"

namespace ropekv::index::detail {

struct store_state {
  std::unique_ptr<sqlite::connection> db;
  std::string path;
  uint32_t index_id = 0;
  uint32_t table_id = 0;
  pb::IndexSpec spec;
  attribute_path attribute;
  // Mirrors of the meta row and ranges table, written together with rows.
  pb::IndexReplicaPhase phase = pb::INDEX_BACKFILLING;
  index_counters counters;
  pb::FeedToken position;
  std::vector<backfill_range> ranges;  // ordered by start
};

// ------------------------------------------------------------ store_meta.cpp

/// Creates the tables (idempotent); corrupt for a file of a newer schema.
status create_schema(sqlite::connection& db);
/// Loads meta and ranges into `s`; false when the file has no meta row yet.
/// Reads only; `s.spec` gets the file's spec.
result<bool> load_meta(store_state& s);
/// Writes the meta row from `s` (insert or replace).
status save_meta(const store_state& s);
/// Rewrites the ranges table from `s.ranges`.
status save_ranges(const store_state& s);
/// Updates one range's progress row.
status save_range_progress(const store_state& s, const backfill_range& r);
/// Empties rows, base and ranges.
status clear_all(sqlite::connection& db);

// ------------------------------------------------------------ store_rows.cpp

/// The base (rope) key of an item of `table` in `partition`.
std::string base_key(uint32_t table, uint32_t partition, const pb::Item& item);

/// Files a put of `item` (key fields, value, expiry) at `version` under
/// base key `pk`, unless base[pk] is at or above `version`.
status apply_put(store_state& s, const std::string& pk, const pb::Item& item, uint64_t version);
/// A delete / expiry at `version`, unless base[pk] is at or above it.
status apply_removal(store_state& s, const std::string& pk, uint64_t version);
/// Drops the rows and base entries of base keys in [start, end) ("" end: +inf).
status remove_range(store_state& s, const std::string& start, const std::string& end);

/// Whether `pk` lies in [start, end) ("" end: +inf).
inline bool in_range(const std::string& pk, const std::string& start, const std::string& end) {
  return pk >= start && (end.empty() || pk < end);
}

}  // namespace ropekv::index::detail

namespace ropekv::index {
struct index_store::state : detail::store_state {};
}  // namespace ropekv::index
