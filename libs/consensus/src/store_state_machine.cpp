#include "ropekv/consensus/store_state_machine.hpp"

#include "ropekv/store/segment_store.hpp"

namespace ropekv::consensus {

namespace {

std::string malformed_result() {
  pb::MutationResult r;
  r.set_error_code(static_cast<uint32_t>(errc::invalid_argument));
  r.set_error_message("log entry is not a Mutation");
  return r.SerializeAsString();
}

}  // namespace

store_state_machine::store_state_machine(store::segment_store& store) : store_(store) {}

result<std::string> store_state_machine::apply(uint64_t index, std::string_view command) {
  pb::Mutation m;
  if (!m.ParseFromArray(command.data(), static_cast<int>(command.size()))) return malformed_result();
  auto r = store_.apply(m, index);
  if (!r) return r.error();
  return r->SerializeAsString();
}

uint64_t store_state_machine::applied_index() const { return store_.applied_index(); }

result<std::string> store_state_machine::snapshot() { return store_.snapshot(); }

status store_state_machine::restore(uint64_t, std::string_view image) {
  // Anything staged predates the snapshot and is superseded by it.
  staged_.clear();
  return store_.install(image);
}

status store_state_machine::stage(uint64_t index, std::string_view command) {
  staged s;
  s.index = index;
  s.valid = s.mutation.ParseFromArray(command.data(), static_cast<int>(command.size()));
  staged_.push_back(std::move(s));
  return {};
}

status store_state_machine::flush(const result_sink& sink) {
  if (staged_.empty()) return {};
  std::vector<store::indexed_mutation> batch;
  batch.reserve(staged_.size());
  for (const auto& s : staged_) {
    if (s.valid) batch.push_back(store::indexed_mutation{&s.mutation, s.index});
  }
  std::vector<pb::MutationResult> results;
  if (!batch.empty()) {
    auto r = store_.apply_batch(batch);
    if (!r) {
      staged_.clear();
      return r.error();
    }
    results = std::move(*r);
    ++batches_applied_;
  }
  auto staged = std::move(staged_);
  staged_.clear();
  size_t next = 0;
  for (const auto& s : staged) {
    std::string bytes = s.valid ? results[next++].SerializeAsString() : malformed_result();
    sink(s.index, bytes);
  }
  return {};
}

}  // namespace ropekv::consensus
