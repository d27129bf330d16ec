#pragma once
// What a restore writes (docs/backup.md "Backup and restore"): the state of
// one table at a version, rebuilt from the rows of the chunks a backup (or
// the live manifests) names, as the items to write with their versions.
//
// The state at `as_of` is what GET ?as_of= reads: per key, the latest
// version <= as_of that no rollback voided (every void range the chunks
// hold applies, as in the store's as_of reads); a key whose such version
// is a tombstone, or that has none, is absent. Items come out sorted by
// (partition, version), the order RestoreItems needs to keep versions.
//
// Pure code: the caller downloads the chunks (checksums verified by the
// blob store) and says which segment range each was referenced for, since
// a split's children share their parent's chunks.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::backup {

struct restore_target {
  uint32_t from_table = 0;  // the table's id in the backup
  uint32_t to_table = 0;    // its id where the items are written
  uint64_t as_of = 0;       // 0: the latest state the chunks hold
};

class restore_plan {
 public:
  explicit restore_plan(restore_target target) : target_(target) {}

  /// Adds the rows of one chunk's bytes that lie in [start, end) (end
  /// empty: +infinity). Damaged bytes: errc::corrupt, nothing added.
  status add_chunk(std::string_view bytes, std::string_view start = {}, std::string_view end = {});

  /// The items to write, sorted by (partition, version).
  std::vector<pb::Item> items() const;
  /// Highest version seen in the table's rows (what as_of may go up to).
  uint64_t max_version() const noexcept { return max_version_; }
  uint64_t rows() const noexcept { return rows_; }

 private:
  struct row {
    uint32_t kind = 0;
    std::string value;
    std::string rk2;
    bool has_rk2 = false;
    int64_t expires_at_ms = 0;
  };
  bool is_void(uint16_t partition, uint64_t version) const;

  restore_target target_;
  // encoded key -> version -> row (every version <= as_of)
  std::map<std::string, std::map<uint64_t, row>> versions_;
  // partition -> void ranges (from, to]
  std::map<uint16_t, std::vector<std::pair<uint64_t, uint64_t>>> voids_;
  uint64_t max_version_ = 0;
  uint64_t rows_ = 0;
};

/// Cuts items into RestoreItems batches of at most `max_items` items and
/// about `max_bytes` bytes, keeping their order.
std::vector<pb::RestoreItems> restore_batches(const std::vector<pb::Item>& items, size_t max_items,
                                              size_t max_bytes);

}  // namespace ropekv::backup
