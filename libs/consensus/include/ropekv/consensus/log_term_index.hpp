#pragma once
// The terms of the stored Raft log as runs of equal term: "the highest index
// holding an entry of term T" without reading the log.
#include <cstdint>
#include <vector>

namespace ropekv::consensus {

/// Owned by sqlite_raft_io, which updates it only after a write committed,
/// so it describes the log on disk (what c-raft calls "stored"). It exists
/// for the match-claim clamp (see sqlite_raft_io): that check runs on every
/// AppendEntries result a follower sends, and a log scan there would cost a
/// query per heartbeat.
///
/// Raft keeps terms non-decreasing along the log, so there are as many runs
/// as elections whose leader wrote entries still in the log, usually one or
/// two: a lookup scans the runs from the end.
///
/// Invariants: runs_ is ordered by first index, each run is non-empty and
/// ends where the next begins (the last one ends at last_); empty() iff
/// runs_ is empty. Where an update does not fit that picture (a hole, an
/// overwrite without truncation), the index forgets rather than guesses:
/// it may under-report a term's last index, never over-report it.
class log_term_index {
 public:
  /// Forgets every entry (an installed snapshot replaced the log).
  void clear() noexcept {
    runs_.clear();
    last_ = 0;
  }
  /// Entry `index` of `term` was written after the current last entry.
  void append(uint64_t index, uint64_t term);
  /// Entries with index >= `from` were deleted.
  void truncate_suffix(uint64_t from) noexcept;
  /// Entries with index < `before` were deleted (compaction).
  void truncate_prefix(uint64_t before) noexcept;

  /// Highest index of an entry of `term`; 0 if there is none.
  uint64_t last_index_of(uint64_t term) const noexcept;
  bool empty() const noexcept { return runs_.empty(); }
  uint64_t last_index() const noexcept { return last_; }

 private:
  struct run {
    uint64_t first = 0;
    uint64_t term = 0;
  };
  std::vector<run> runs_;
  uint64_t last_ = 0;
};

}  // namespace ropekv::consensus
