#pragma once
// In-memory cache of per-partition state and of rollback void ranges.
//
// Owns: partition_state per partition touched so far (loaded lazily from
// kv_partitions + the kv_items (tp, version) index) and the merged void
// ranges of every partition (all loaded at open: rollbacks are rare, and
// reads must test voids without a query).
// Invariant: after every committed transaction the cache equals what a
// fresh load from the file would give; after a failed one the owner calls
// clear() and reloads.
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ropekv/common/result.hpp"
#include "sqlite.hpp"

namespace ropekv::store::detail {

/// Union of half-open version ranges (lo, hi], kept merged and sorted.
class void_set {
 public:
  void add(uint64_t lo, uint64_t hi);
  /// The lo of the range containing v, if v is void.
  std::optional<uint64_t> containing(uint64_t v) const;
  bool contains(uint64_t v) const { return containing(v).has_value(); }
  size_t size() const { return ranges_.size(); }
  const std::vector<std::pair<uint64_t, uint64_t>>& ranges() const { return ranges_; }

 private:
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
};

struct partition_state {
  uint64_t max_issued = 0;    // highest version ever issued, voided ones included
  uint64_t head = 0;          // latest non-void version
  uint64_t items = 0;
  uint64_t bytes = 0;
  // Aggregates at base_version; stored rows at or below it are not used for
  // aggregates (compaction may have dropped some; a split left them whole-
  // partition figures).
  uint64_t base_version = 0;
  uint64_t base_items = 0;
  uint64_t base_bytes = 0;
};

/// Aggregates of a partition as of some version.
struct partition_stats {
  uint64_t version = 0;
  uint64_t items = 0;
  uint64_t bytes = 0;
};

class partition_cache {
 public:
  explicit partition_cache(database& db) : db_(db) {}

  /// Loads every void range (on open and after clear()).
  status load_voids();
  void clear();

  const void_set* voids(uint64_t tp) const;
  bool is_void(uint64_t tp, uint64_t version) const;
  void add_void(uint64_t tp, uint64_t lo, uint64_t hi);

  /// The partition's state, loading it on first use.
  result<partition_state*> get(uint64_t tp);

  /// Aggregates after the last non-void version <= v: one indexed lookup
  /// per void range crossed; a recount only below a split's base version.
  result<partition_stats> stats_at(uint64_t tp, uint64_t v, const partition_state& st);

  /// Aggregates of the visible state at v by walking every stored version
  /// of the partition (O(partition)); version = latest non-void <= v.
  /// Optionally only keys in [lo, hi) (hi empty: no upper bound), for split.
  result<partition_stats> recount(uint64_t tp, uint64_t v, std::string_view lo = {},
                                  std::string_view hi = {});

 private:
  result<uint64_t> latest_non_void(uint64_t tp, uint64_t v, uint64_t above);

  database& db_;
  std::unordered_map<uint64_t, partition_state> states_;
  std::unordered_map<uint64_t, void_set> voids_;
};

}  // namespace ropekv::store::detail
