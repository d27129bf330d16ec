#pragma once
// The segment store as a Raft state machine (target ropekv::consensus_store,
// so ropekv::consensus itself does not depend on libs/store).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/consensus/state_machine.hpp"
#include "ropekv/proto/ropekv.pb.h"

namespace ropekv::store {
class segment_store;
}

namespace ropekv::consensus {

/// Applies committed pb::Mutation entries to a segment_store.
///
/// Commands are serialized pb::Mutation; results are serialized
/// pb::MutationResult. A command that does not parse yields a result with
/// error_code = errc::invalid_argument on every replica alike (an error
/// return would stall c-raft on a poison entry forever).
///
/// Owns the staged mutations only; the store is borrowed and must outlive
/// it. Who touches it: the replica's thread, through fsm_adapter.
///
/// Group apply: commands are staged and applied at flush() with ONE
/// store.apply_batch transaction per poll. The store persists its applied
/// index with the data, so entries replayed after a restart (index <=
/// applied_index()) are skipped by the store itself.
class store_state_machine final : public state_machine {
 public:
  explicit store_state_machine(store::segment_store& store);

  result<std::string> apply(uint64_t index, std::string_view command) override;
  uint64_t applied_index() const override;
  result<std::string> snapshot() override;
  status restore(uint64_t index, std::string_view image) override;

  bool batches() const override { return true; }
  status stage(uint64_t index, std::string_view command) override;
  status flush(const result_sink& sink) override;

  uint64_t batches_applied() const noexcept { return batches_applied_; }

 private:
  struct staged {
    uint64_t index = 0;
    pb::Mutation mutation;
    bool valid = false;
  };

  store::segment_store& store_;
  std::vector<staged> staged_;
  uint64_t batches_applied_ = 0;
};

}  // namespace ropekv::consensus
