#pragma once
// Durable Raft state in the segment's SQLite file: term, vote, log entries
// and the latest snapshot, in tables prefixed `raft_`.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ropekv/common/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ropekv::consensus {

struct sqlite_log_options {
  /// synchronous=FULL: every commit fsyncs the WAL, so a committed write
  /// survives power loss. Tests that only simulate process crashes may
  /// turn it off for speed; the data still reaches the file.
  bool durable = true;
  int busy_timeout_ms = 5000;
  /// Tests only: PRAGMA max_page_count for this connection, so the file
  /// "fills up" (SQLITE_FULL) without a full disk. 0: no limit.
  unsigned max_pages = 0;
};

struct hard_state {
  uint64_t term = 0;
  uint64_t vote = 0;  // server id; 0 = none
};

struct log_entry_view {
  uint64_t index = 0;
  uint64_t term = 0;
  uint16_t type = 0;  // RAFT_COMMAND / RAFT_BARRIER / RAFT_CHANGE
  std::string_view payload;
};

struct snapshot_record {
  uint64_t index = 0;       // last entry covered by the snapshot
  uint64_t term = 0;        // its term
  uint64_t conf_index = 0;  // index of the configuration in `conf`
  std::string conf;         // raft_message_codec configuration encoding
  std::string data;         // the state machine image
};

/// Owns one sqlite3 connection (WAL, busy_timeout) to the segment file and
/// the `raft_` tables in it. The segment store keeps its own connection to
/// the same file; the two never share a transaction.
///
/// Who touches it: sqlite_raft_io only, from the thread that polls it.
///
/// Invariants: raft_entries holds a contiguous range of indexes; if a
/// snapshot exists, that range starts at or below snapshot.index + 1.
/// Writes between begin() and commit() become durable together (one fsync
/// for the whole batch: group commit). commits() counts successful commits,
/// i.e. fsyncs of the log when durable.
class sqlite_log {
 public:
  static result<std::unique_ptr<sqlite_log>> open(const std::string& path,
                                                  const sqlite_log_options& options = {});
  ~sqlite_log();
  sqlite_log(const sqlite_log&) = delete;
  sqlite_log& operator=(const sqlite_log&) = delete;

  result<hard_state> load_hard_state();
  /// Durable on return (its own transaction).
  status save_hard_state(const hard_state& hs);
  /// Same, inside the caller's transaction.
  status put_hard_state(const hard_state& hs);

  status begin();
  status commit();
  void rollback() noexcept;
  bool in_transaction() const noexcept { return in_tx_; }

  /// Inserts or replaces the entry at `index` (inside a transaction).
  status put_entry(uint64_t index, uint64_t term, uint16_t type, std::string_view payload);
  /// Deletes entries with index >= from.
  status truncate_suffix(uint64_t from);
  /// Deletes entries with index < before.
  status truncate_prefix(uint64_t before);
  /// Replaces the stored snapshot (inside a transaction).
  status put_snapshot(const snapshot_record& s);

  result<std::optional<snapshot_record>> load_snapshot();
  /// Visits entries with index >= from in index order.
  status for_each_entry(uint64_t from, const std::function<status(const log_entry_view&)>& fn);

  struct range {
    uint64_t first = 0;  // 0 when empty
    uint64_t last = 0;
    uint64_t count = 0;
    uint64_t payload_bytes = 0;
  };
  result<range> entry_range();

  uint64_t commits() const noexcept { return commits_; }
  const std::string& path() const noexcept { return path_; }

 private:
  sqlite_log() = default;
  status exec(const char* sql);
  status prepare_all();
  error db_error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::string path_;
  bool in_tx_ = false;
  uint64_t commits_ = 0;
  sqlite3_stmt* put_entry_ = nullptr;
  sqlite3_stmt* truncate_suffix_ = nullptr;
  sqlite3_stmt* truncate_prefix_ = nullptr;
  sqlite3_stmt* put_meta_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

}  // namespace ropekv::consensus
