#pragma once
// index_store: one replica of one global secondary index, in its own
// SQLite file (DESIGN §7, docs/indexes.md).
//
// Contents:
//   rows     (index key, base key) -> the base item's projection: keys,
//            version, expiry, and the value when the projection is "all".
//            Ordered by index key, then base key (the item's encoded rope
//            key), which is the order queries return.
//   base     base key -> (version, index key or none): the version of the
//            item this index last applied and where it filed it. The
//            version guard (an event at or below it is a replay) and the
//            before-image (the old row to delete when the value changes).
//   meta     the spec, the phase, counters, the feed position (FeedToken)
//            and the backfill ranges with their scan progress.
//
// Durability: every method that changes rows also writes the position or
// backfill progress that goes with them, in the same transaction, so a
// process killed at any point restarts exactly where the file says,
// neither losing nor double-applying an event.
//
// Not thread-safe: one owner (the index's builder actor) writes; queries
// come from the same actor.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/index/attribute_path.hpp"
#include "ropekv/proto/ropekv.pb.h"
#include "ropekv/proto/service.pb.h"

namespace ropekv::index {

/// A part of the table's key range being backfilled: scanned at
/// `position` (0: not started, the replica picks one), up to after
/// `cursor` (the segment scan cursor; empty: from the start) until `done`.
struct backfill_range {
  std::string start;
  std::string end;        // "" : +infinity
  uint64_t position = 0;
  std::string cursor;
  bool done = false;
  friend bool operator==(const backfill_range&, const backfill_range&) = default;
};

struct index_counters {
  uint64_t entries = 0;            // rows
  uint64_t items_done = 0;         // backfill: items scanned
  uint64_t items_estimated = 0;    // backfill: estimate given at start
  uint64_t unique_violations = 0;  // index keys held by more than one row (unique indexes)
  uint64_t rebuilds = 0;
};

struct query_args {
  std::optional<std::string> eq;    // index key
  std::optional<std::string> from;  // inclusive
  std::optional<std::string> to;    // exclusive
  bool reverse = false;
  size_t limit = 100;               // 1..1000
  std::string cursor;               // next_cursor of the previous page, or empty
  int64_t now_ms = 0;               // items with 0 < expires_at_ms <= now_ms are hidden
};

struct query_page {
  std::vector<pb::Item> items;      // projection: value empty for PROJECT_KEYS
  std::string next_cursor;          // empty: no more
};

class index_store {
 public:
  /// Opens or creates the file for `index` (its id and spec). A file that
  /// belongs to another index id, or to the same id with another
  /// definition, is emptied and starts over (phase backfilling, no ranges).
  static result<std::unique_ptr<index_store>> open(const std::string& path,
                                                   const pb::IndexDescriptor& index);
  ~index_store();
  index_store(const index_store&) = delete;
  index_store& operator=(const index_store&) = delete;

  const pb::IndexSpec& spec() const;
  uint32_t index_id() const;
  uint32_t table_id() const;
  pb::IndexReplicaPhase phase() const;
  index_counters counters() const;

  // --------------------------------------------------------- backfill

  /// Starts (over): deletes every row and base entry, sets phase
  /// backfilling with these ranges (covering the table's keys once, in
  /// order) and the estimate; counts a rebuild when rows existed before.
  status begin_backfill(std::span<const backfill_range> ranges, uint64_t items_estimated);
  std::vector<backfill_range> backfill_ranges() const;
  /// Adds to the estimate of the items the backfill will scan (each range's
  /// first page brings its segment's count).
  status add_items_estimated(uint64_t items);
  /// Replaces the range starting at ranges[i].start... : the ranges whose
  /// start lies in [replaced.start, replaced.end) are replaced by `with`
  /// (a split of a range mid-scan: its rest continues on the new segments
  /// at the same position). The union must stay the same.
  status replace_backfill_range(const std::string& start, std::span<const backfill_range> with);
  /// One scanned page: its items (the base state at range.position) go in
  /// and the range's progress (position, cursor, done) is saved, in one
  /// transaction. items_done grows by items.size().
  status apply_scan_page(const backfill_range& progress, std::span<const pb::Item> items);
  /// Every range done: phase active; the feed continues from `position`
  /// (each range's cursor at its scan position).
  status finish_backfill(const pb::FeedToken& position);

  // ---------------------------------------------------------- tailing

  /// The feed position the index has applied (valid when active).
  pb::FeedToken position() const;
  /// Applies feed events (create/update/put/delete/expired; a rollback
  /// event is ignored here, see replace_range) in order, each only when
  /// its version is above the base entry's, and saves `position_after`,
  /// in one transaction.
  status apply_events(std::span<const pb::ChangeEvent> events, const pb::FeedToken& position_after);
  /// The same over events held elsewhere (a feed batch shared by several
  /// indexes of one table: each applies its own selection, uncopied).
  status apply_events(std::span<const pb::ChangeEvent* const> events, const pb::FeedToken& position_after);
  /// The base state of the keys in [start, end) is exactly `items` (read
  /// at some feed position: a rollback re-read its partition): rows and
  /// base entries of keys there are replaced, and `position_after` saved,
  /// in one transaction.
  status replace_range(const std::string& start, const std::string& end,
                       std::span<const pb::Item> items, const pb::FeedToken& position_after);

  // ------------------------------------------------------------ reads

  /// invalid_argument ("bad_cursor") for a cursor this index did not issue.
  result<query_page> query(const query_args& q);

  /// Every row, in index order (tests and the reconciliation check).
  result<std::vector<std::pair<std::string, pb::Item>>> dump();

  const std::string& path() const;

 private:
  struct state;
  explicit index_store(std::unique_ptr<state> s);
  std::unique_ptr<state> s_;
};

}  // namespace ropekv::index
