#pragma once
// Store contents as a stream of pb::StoreRecord, both ways.
//
// export_records() reads every store table in canonical order (header;
// versions by position; voids by position; partitions by tp; locks by key,
// transaction records by id, requests by key) and hands each
// record to a callback: snapshot() serializes them, digest() hashes them,
// split() routes them to two new stores. installer writes such a stream
// into a store file inside one transaction.
#include <functional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"
#include "store_state.hpp"

namespace ropekv::store::detail {

inline constexpr std::string_view snapshot_magic = "RKVSNAP1";

using record_fn = std::function<status(pb::StoreRecord&)>;

status export_records(store_state& s, const record_fn& out);
/// The transaction tables' records (locks, records, requests), in key order.
status export_txn_records(store_state& s, const record_fn& out);

/// A kv_items row as its record.
pb::StoredVersion version_record(const version_row& r);
/// The chunk manifest's records, by last position (chunks.cpp).
status export_chunk_records(store_state& s, const record_fn& out);
/// Adds one manifest row (install, split, apply).
status insert_chunk_row(database& db, const pb::ChunkRecord& c);

/// Length-prefixed framing with a running xxh64 over all bytes written.
class record_writer {
 public:
  /// sink null: only hash (digest).
  explicit record_writer(std::string* sink);
  ~record_writer();
  record_writer(const record_writer&) = delete;
  record_writer& operator=(const record_writer&) = delete;
  void write(const pb::StoreRecord& rec);
  /// Appends the trailer; returns the checksum it carries.
  uint64_t finish();

 private:
  void put(std::string_view bytes);
  std::string* sink_;
  void* hash_;  // XXH64_state_t*
  uint64_t records_ = 0;
  std::string buf_;
};

/// Replaces the store tables of `db` with records, in one transaction.
class installer {
 public:
  static result<installer> begin(database& db);
  status add(const pb::StoreRecord& rec);
  /// Writes the meta row from the header and commits.
  status commit();
  void abort() { txn_.rollback(); }

 private:
  installer(database& db, write_txn txn) : db_(&db), txn_(std::move(txn)) {}
  database* db_;
  write_txn txn_;
  persisted_meta meta_;
  bool have_header_ = false;
};

/// Parses snapshot bytes (checking magic, framing, trailer checksum) and
/// feeds every record but the trailer to `out`. Damage: errc::corrupt.
status read_records(std::string_view bytes, const record_fn& out);

}  // namespace ropekv::store::detail
