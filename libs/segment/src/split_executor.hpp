#pragma once
// The file work of a split, run by every replica when it applies the
// split's log entry (at the same index everywhere), and its crash recovery.
//
// Scheme: the LEFT half keeps the Raft group (same group id, same log, same
// file); the RIGHT half becomes a new group whose first state is a Raft
// snapshot at the split's index holding the right half's data and the
// members listed in the split entry — identical on every member, so the
// right groups of all members agree from their first index on.
//
// Steps for the entry at index i (the store holds the state at i - 1):
//  1. store.split() writes both halves to temporary files;
//  2. both halves record index i as applied (a Noop at i);
//  3. the right temporary file gets its Raft bootstrap (group_bootstrap);
//  4. the left image is installed into the replica's own store: the commit
//     point — the store now is the left half, applied index i;
//  5. the right file is renamed to its final name.
// A crash before 4 leaves the store at i - 1: the entry replays and the
// split is redone (temporary files are replaced). A crash between 4 and 5
// is finished by recover() when the replica reopens.
#include <cstdint>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/segment/segment_options.hpp"
#include "ropekv/store/types.hpp"

namespace ropekv::store {
class segment_store;
}

namespace ropekv::segment::detail {

struct split_plan {
  uint64_t index = 0;
  pb::Split split;
  std::vector<member_info> members;
};

struct split_outcome {
  uint64_t index = 0;
  std::string right_path;
  store::segment_meta left;
  store::segment_meta right;
};

/// Owns nothing but paths and options. Who touches it: the replica's
/// state machine (execute) and open() (recover), on the replica's thread.
class split_executor {
 public:
  split_executor(std::string dir, uint64_t group, store::store_options store_options, bool durable)
      : dir_(std::move(dir)), group_(group), store_options_(store_options), durable_(durable) {}

  /// A deterministic reason to refuse the split (same answer on every
  /// replica), or nullopt.
  static std::optional<std::string> invalid(const store::segment_meta& meta, const split_plan& plan);

  /// Steps 1–5 above. An error means I/O failure: the caller must stop
  /// applying (the replica is reopened and the entry replays).
  result<split_outcome> execute(store::segment_store& store, const split_plan& plan);

  /// After a restart: finishes a split whose commit point was reached
  /// (renames the right file, returns its path) and deletes leftovers of
  /// splits that did not reach it.
  result<std::vector<std::string>> recover(uint64_t applied_index);

  /// Final file name of a segment created by a split.
  std::string segment_path(uint64_t segment) const;

 private:
  std::string temp_path(uint64_t index, const char* side) const;

  std::string dir_;
  uint64_t group_;
  store::store_options store_options_;
  bool durable_;
};

}  // namespace ropekv::segment::detail
