#pragma once
// Everything a segment_store owns, shared by the files that implement it
// (open, write path, rollback, reads, feed, compaction, snapshot, split).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "partitions.hpp"
#include "rows.hpp"
#include "schema.hpp"
#include "sqlite.hpp"
#include "txn_tables.hpp"

namespace ropekv::store::detail {

struct store_state {
  std::string path;
  store_options opts;
  std::unique_ptr<database> db;
  persisted_meta meta;
  std::unique_ptr<partition_cache> parts;
  lock_set locks;
  // Sweep resumes here (ms): rows below were found superseded or voided.
  // Not persisted and not part of the store's contents; lowered by writes
  // with an earlier expiry and reset by rollbacks, which can revive rows.
  int64_t sweep_floor_ms = 0;
  // Scans at a change-feed position below this are version_gone: compaction
  // dropped rows that the state at such a position still held (a version
  // superseded or voided by an event after it). Not persisted: a store
  // opened or installed with history already compacted assumes the worst
  // (its last position, see reset_scan_floor); compact() raises it to the
  // positions of the events whose rows it dropped; reload() keeps it.
  uint64_t scan_floor = 0;

  /// Reloads counters and caches from the file (after a failed transaction).
  status reload();

  /// scan_floor for contents whose compaction history this process has not
  /// seen: 0 when nothing was ever compacted, else the last position.
  void reset_scan_floor() {
    scan_floor = meta.history_floor == 0 && meta.feed_floor == 0 ? 0 : meta.next_position - 1;
  }

  /// Latest non-void version of `key` at or below as_of (0: latest), of any
  /// kind (tombstones included); nullopt when none.
  result<std::optional<version_row>> latest(std::string_view key, uint64_t tp, uint64_t as_of);

  bool in_segment(std::string_view key) const {
    return key >= meta.seg.start_key && (meta.seg.end_key.empty() || key < meta.seg.end_key);
  }
};

/// Opens (or creates) the file and loads counters and caches.
result<std::unique_ptr<store_state>> open_state(const std::string& path, const store_options& opts);

/// Per-transaction bookkeeping of the write path.
struct txn_context {
  uint64_t last_row_log_index = 0;  // log index stamped on the newest row written
  bool wrote_row = false;
  // Set while applying a transaction's writes: rows carry its id, versions
  // are at least its commit version, and its own locks do not block it.
  std::string txn_id;
  uint64_t version_floor = 0;
};

/// The item a mutation addresses, as the write path sees it.
struct item_target {
  std::string key;
  uint64_t tp = 0;
  partition_state* st = nullptr;
  std::optional<version_row> current;  // latest non-void version, any kind
  bool live = false;                   // current is a put, unexpired at the mutation's time
};

/// Resolves an item for a write at now_us: errc::too_large, wrong_segment,
/// or locked (its partition held by a transaction other than own_txn) come
/// back as the deterministic failure.
result<std::variant<item_target, pb::MutationResult>> resolve_target(
    store_state& s, int64_t now_us, uint32_t table, const std::string& hk, const std::string& rk,
    std::string_view own_txn);

/// A put / delete / check condition against the item's state; empty: met.
std::optional<pb::MutationResult> check_condition(pb::Condition cond, uint64_t expected,
                                                  const item_target& t);

/// errc::locked naming the lock.
pb::MutationResult locked_failure(const lock_row& l, int64_t now_us);

/// Deterministic outcome carried inside a MutationResult.
pb::MutationResult failed(errc code, std::string message);

// Mutation handlers, each inside the caller's transaction.
result<pb::MutationResult> apply_put(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                     txn_context& ctx);
result<pb::MutationResult> apply_delete(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx);
result<pb::MutationResult> apply_expire(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx);
result<pb::MutationResult> apply_rollback(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                          txn_context& ctx);
/// The same on an item already resolved in this transaction (no other
/// write to it since): what a one-phase transaction uses after checking.
result<pb::MutationResult> apply_put_to(store_state& s, const pb::Mutation& m, item_target& t,
                                        uint64_t log_index, txn_context& ctx);
result<pb::MutationResult> apply_delete_to(store_state& s, const pb::Mutation& m, item_target& t,
                                           uint64_t log_index, txn_context& ctx);
// txn_ops.cpp
result<pb::MutationResult> apply_transact(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                          txn_context& ctx);
result<pb::MutationResult> apply_prepare(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                         txn_context& ctx);
result<pb::MutationResult> apply_decide(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx);
result<pb::MutationResult> apply_resolve(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                         txn_context& ctx);
// chunks.cpp
/// Appends a chunk to the manifest when it continues it (first_position is
/// where the manifest ends); otherwise condition_failed, changing nothing.
result<pb::MutationResult> apply_chunk(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                       txn_context& ctx);
// restore_ops.cpp
/// Writes a batch of backed-up items with their versions (RestoreItems).
result<pb::MutationResult> apply_restore(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                         txn_context& ctx);
// requests.cpp
/// Whether a stored request's fingerprint matches a retry's (0: unknown).
bool same_request(uint64_t stored, uint64_t asked);
/// The answer to a request_id reused for another request.
pb::MutationResult reused_request_id();
/// Applies `m` through `apply` unless its request_key was applied within
/// the retention: then the first outcome, marked deduplicated.
result<pb::MutationResult> apply_once(
    store_state& s, const pb::Mutation& m,
    const std::function<result<pb::MutationResult>()>& apply);

}  // namespace ropekv::store::detail
