#pragma once
// The segment store as a Raft state machine, with splits applied at their
// log index.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/consensus/state_machine.hpp"
#include "ropekv/proto/service.pb.h"
#include "split_executor.hpp"

namespace ropekv::store {
class segment_store;
}

namespace ropekv::segment::detail {

/// Applies committed entries (serialized pb::Mutation; a split entry is a
/// pb::SplitEntry, which parses as a Mutation too) to the store.
///
/// Owns the staged entries and the outcomes of splits not yet taken by the
/// replica; borrows the store and the split executor. Who touches it: the
/// replica's thread, through fsm_adapter (stage / flush / snapshot /
/// restore) and the replica (take_splits).
///
/// Group apply: everything staged in one poll is applied with ONE
/// store.apply_batch — except that a split entry cuts the batch: entries
/// before it are applied to the whole store, the split runs, entries after
/// it are applied to the left half (where keys of the right half now get
/// wrong_segment, on every replica alike). That is why the consensus
/// library's store_state_machine is not used here.
///
/// Invariant: results reach the sink in index order, one per staged entry.
class segment_state_machine final : public consensus::state_machine {
 public:
  segment_state_machine(store::segment_store& store, split_executor& splitter);

  result<std::string> apply(uint64_t index, std::string_view command) override;
  uint64_t applied_index() const override;
  result<std::string> snapshot() override;
  status restore(uint64_t index, std::string_view image) override;

  bool batches() const override { return true; }
  status stage(uint64_t index, std::string_view command) override;
  status flush(const result_sink& sink) override;

  /// Splits applied since the last call, in index order.
  std::vector<split_outcome> take_splits();
  /// Times restore() installed the state of another segment: this replica
  /// lagged past a split and so holds no right half for it.
  uint64_t missed_splits() const noexcept { return missed_splits_; }

 private:
  struct staged {
    uint64_t index = 0;
    pb::Mutation mutation;
    bool valid = false;
    bool is_split = false;
    std::vector<member_info> members;  // split entries only
  };

  status apply_run(size_t begin, size_t end, const result_sink& sink);
  status apply_split(staged& s, const result_sink& sink);

  store::segment_store& store_;
  split_executor& splitter_;
  std::vector<staged> staged_;
  std::vector<split_outcome> splits_;
  uint64_t missed_splits_ = 0;
};

}  // namespace ropekv::segment::detail
