#pragma once
// The SQLite segment store (DESIGN §4): one file per segment replica.
//
// Owns: the SQLite connection to one replica file, its prepared statements,
// and in-memory caches of per-partition state (head/max version, aggregates)
// and of rollback void ranges. Touched by one owner (the segment actor, which
// runs detached): the class is not thread-safe. Other connections may share
// the file for their own tables (prefixed `raft_`); digest and snapshot cover
// only the store's `kv_` tables.
//
// Versions. Every write gets, per partition,
//     version = max(max_issued + 1, mutation.timestamp_us)
// where max_issued is the highest version the partition ever issued
// (voided ones included). Versions are therefore strictly increasing per
// partition, never reused after a rollback, and close to microsecond wall
// time, so they stay monotonic across leader changes and splits and the
// retention window (microseconds) maps onto version numbers. A delete or an
// expire writes a tombstone version.
//
// Determinism. apply() is the only write path and a pure function of (store
// contents, mutation, log index): "now" is mutation.timestamp_us(), never the
// wall clock. Outcomes a mutation deterministically produces (condition
// failed, too large, wrong segment, version gone) are reported inside
// MutationResult.error_code; result<> errors mean I/O failure or corruption,
// after which the transaction is rolled back and caches are reloaded.
//
// Rollback. A Rollback mutation writes exactly one row, the marker
// "versions of partition P in (V, max_issued] are void": its cost does not
// depend on the amount of data. Reads skip voided versions; compact() drops
// them later. Aggregates are restored from the per-version aggregate columns
// (each stored version carries its partition's items/bytes after it) with one
// indexed lookup per void range crossed.
//
// Invariants:
//  1. (partition, version) is unique; a partition's versions only grow.
//  2. Change-feed positions are unique and strictly increasing; every
//     applied put/delete/expire/rollback has exactly one.
//  3. applied_index() only grows; entries at or below it are replays.
//  4. partition(): aggregates equal a recount of the partition's visible
//     (non-void, non-tombstone) latest versions.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/store/types.hpp"

namespace ropekv::store {

namespace detail {
struct store_state;
}

struct split_result;

/// A chunk frozen by freeze_chunk(), not yet shipped.
struct frozen_chunk {
  std::string bytes;
  pb::ChunkRecord record;
};

class segment_store {
 public:
  /// Creates or opens the store in `path` (WAL mode). A file that is not a
  /// SQLite database, or one written by another application or schema
  /// version, gives errc::corrupt with a message saying which.
  static result<std::unique_ptr<segment_store>> open(const std::string& path,
                                                     store_options opts = {});

  /// Creates a store at `path` (replacing the store tables of an existing
  /// file) holding exactly the contents of a snapshot().
  static result<std::unique_ptr<segment_store>> restore(const std::string& path,
                                                        std::string_view bytes,
                                                        store_options opts = {});

  ~segment_store();
  segment_store(const segment_store&) = delete;
  segment_store& operator=(const segment_store&) = delete;

  // ------------------------------------------------------------ writes

  /// Applies one mutation in its own transaction; persists `log_index` as
  /// the applied index. log_index != 0 and <= applied_index(): a replay,
  /// skipped, returns an empty ok MutationResult.
  result<pb::MutationResult> apply(const pb::Mutation& m, uint64_t log_index = 0);

  /// Applies many mutations in ONE transaction (consensus group commit).
  /// Either all are applied or, on an I/O error, none.
  result<std::vector<pb::MutationResult>> apply_batch(std::span<const indexed_mutation> batch);

  /// Highest log index applied (survives restarts).
  uint64_t applied_index() const;

  // ------------------------------------------------------------- reads

  /// The visible version of an item: errc::not_found when absent, deleted,
  /// expired or voided; errc::version_gone when as_of is below what
  /// retention kept; errc::too_large for over-long keys.
  result<pb::Item> get(uint32_t table, std::string_view hash_key, std::string_view range_key,
                       const read_options& opts);

  result<page> range(const range_query& q);
  /// With at_position set: errc::unavailable when at_position >
  /// last_position() (not applied yet), errc::version_gone when compaction
  /// dropped rows the state at that position held (below the feed floor,
  /// or below a rollback / superseding version whose rows it dropped; a
  /// store reopened after compaction refuses positions before its last one).
  /// Pages of one such scan, resumed with the cursor, all read at the
  /// position, so a reader can scan at P and tail changes_since(P).
  result<page> scan(const scan_query& q);

  /// Expire mutations for up to `limit` live items expired at now_us. Not
  /// applied here: the caller proposes them through consensus.
  result<std::vector<pb::Mutation>> sweep(int64_t now_us, size_t limit);

  /// Aggregates of one partition, from the cache or one indexed lookup.
  result<partition_info> partition(uint32_t table, uint16_t partition);

  /// Recounts a partition from its stored versions (O(partition size));
  /// for tests, diagnostics and split. as_of 0: latest.
  result<partition_info> recount_partition(uint32_t table, uint16_t partition, uint64_t as_of = 0);

  /// Items and bytes of the whole store (the sum of partition()). One
  /// indexed seek per partition the store holds, plus each partition's
  /// aggregates (cached after the first call): cheap enough for a periodic
  /// report, not for every request.
  result<store_totals> totals();

  /// Distinct keys stored in [start, end) (end "": +infinity), deleted
  /// ones whose history is still kept included: an estimate of the items
  /// there for progress reports. O(keys in the range).
  result<uint64_t> count_keys(std::string_view start, std::string_view end);

  /// Change events with position > `position`, in position order. Events
  /// of versions voided by a rollback may vanish at compaction (the
  /// CHANGE_ROLLBACK event stays). errc::version_gone when compaction
  /// already dropped events after `position`.
  result<std::vector<pb::ChangeEvent>> changes_since(uint64_t position, size_t limit);

  /// Highest change-feed position issued so far (0: none).
  uint64_t last_position() const;

  // ------------------------------------------------------ transactions

  /// The lock a pending transaction holds on the item with encoded key
  /// `key`: reads of it must not answer until the transaction is resolved
  /// (docs/transactions.md). Ages are measured at now_us.
  std::optional<pb::LockInfo> lock_on(std::string_view key, int64_t now_us) const;
  /// The first lock on a key in [start, end) (end empty: +infinity).
  std::optional<pb::LockInfo> lock_within(std::string_view start, std::string_view end,
                                          int64_t now_us) const;
  /// Locks prepared at least `min_age_us` before now_us, oldest first: the
  /// ones a resolver should look at.
  std::vector<pb::LockInfo> stale_locks(int64_t now_us, int64_t min_age_us, size_t limit) const;

  // ------------------------------------------------------------ chunks
  // docs/backup.md. The leader freezes the rows past the manifest's end
  // into a chunk, ships it to the blob store, and proposes its record
  // (Mutation.chunk); apply() appends it to the manifest only when it
  // continues it, so chunks are contiguous and never overlap.

  /// Last position covered by the manifest (0: no chunk yet).
  uint64_t chunked_position() const;
  /// The manifest, by position.
  result<std::vector<pb::ChunkRecord>> chunk_manifest();
  /// The rows (versions and void ranges) with positions in
  /// (chunked_position(), ...], at most `max_rows` of them, as chunk bytes
  /// (the snapshot framing: header, records by position, checksummed
  /// trailer) and its record (chunk_id empty: the shipper names it by its
  /// SHA-256). nullopt when there is nothing new.
  result<std::optional<frozen_chunk>> freeze_chunk(size_t max_rows, int64_t now_us);
  /// Parses chunk bytes (framing and checksum checked: damage is
  /// errc::corrupt) and hands every version and void record to `out`.
  static status read_chunk(std::string_view bytes,
                           const std::function<status(const pb::StoreRecord&)>& out);

  // ------------------------------------------------------- maintenance

  /// Physically drops voided versions and versions superseded (or deleted)
  /// at a version older than now_us - retention_us. Returns rows dropped.
  /// Raises the history floor: as_of/rollback below it are version_gone.
  result<size_t> compact(int64_t now_us);

  /// All store state as bytes (see ropekv.proto StoreRecord).
  result<std::string> snapshot();

  /// Replaces every store table with the contents of a snapshot, in one
  /// transaction (other tables in the file are left alone).
  status install(std::string_view bytes);

  /// Writes keys < at_key (with their history) to a new store at
  /// left_path and the rest to right_path. Both halves keep every
  /// partition's max_issued and void ranges, so versions keep rising and
  /// positions stay unique. Aggregates: a partition wholly on one side keeps
  /// its aggregates and history there and is empty on the other side; the
  /// partition cut by at_key is recounted on each side, and a rollback of it
  /// to a version before the split recounts that partition (O(partition)).
  /// Segment meta: left [start, at_key), right [at_key, end), epoch + 1; ids
  /// from `ids` when non-zero (left defaults to this segment's id).
  result<split_result> split(std::string_view at_key, const std::string& left_path,
                             const std::string& right_path, const pb::Split& ids = {});

  /// xxhash64 over all store contents (versions with history, voids,
  /// partitions, counters, meta) in canonical order. Equal on replicas that
  /// applied the same mutations at the same indexes and compacted alike.
  result<uint64_t> digest();

  segment_meta meta() const;
  status set_meta(const segment_meta& meta);

  /// sqlite3_total_changes() of this connection: rows written so far (tests
  /// use it to show a rollback touches no data rows).
  int64_t total_changes() const;

  const std::string& path() const;

 private:
  explicit segment_store(std::unique_ptr<detail::store_state> state);
  std::unique_ptr<detail::store_state> s_;
};

struct split_result {
  std::unique_ptr<segment_store> left;
  std::unique_ptr<segment_store> right;
};

}  // namespace ropekv::store
