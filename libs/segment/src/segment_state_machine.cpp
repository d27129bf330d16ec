#include "segment_state_machine.hpp"

#include "ropekv/store/segment_store.hpp"

namespace ropekv::segment::detail {
namespace {

pb::MutationResult failure(errc code, std::string message) {
  pb::MutationResult r;
  r.set_error_code(static_cast<uint32_t>(code));
  r.set_error_message(std::move(message));
  return r;
}

std::string malformed_result() {
  return failure(errc::invalid_argument, "log entry is not a Mutation").SerializeAsString();
}

std::vector<member_info> members_of(const pb::SplitEntry& e) {
  std::vector<member_info> out;
  for (const auto& m : e.members()) {
    member_role role = m.role() == 0 ? member_role::voter
                       : m.role() == 1 ? member_role::standby
                                       : member_role::spare;
    out.push_back(member_info{node_id{m.node_id()}, m.address(), role});
  }
  return out;
}

}  // namespace

segment_state_machine::segment_state_machine(store::segment_store& store, split_executor& splitter)
    : store_(store), splitter_(splitter) {}

result<std::string> segment_state_machine::apply(uint64_t index, std::string_view command) {
  // Only reached if fsm_adapter stops batching; same semantics via stage+flush.
  if (auto st = stage(index, command); !st) return st.error();
  std::string out;
  auto st = flush([&](uint64_t, std::string& r) { out = std::move(r); });
  if (!st) return st.error();
  return out;
}

uint64_t segment_state_machine::applied_index() const { return store_.applied_index(); }

result<std::string> segment_state_machine::snapshot() { return store_.snapshot(); }

status segment_state_machine::restore(uint64_t, std::string_view image) {
  staged_.clear();  // superseded by the snapshot
  uint64_t before = store_.meta().segment_id;
  if (auto st = store_.install(image); !st) return st;
  uint64_t after = store_.meta().segment_id;
  // A joiner starts with no segment (id 0). Any other change of id means a
  // split happened in the part of the log this snapshot replaced.
  if (before != 0 && after != before) ++missed_splits_;
  return {};
}

status segment_state_machine::stage(uint64_t index, std::string_view command) {
  staged s;
  s.index = index;
  s.valid = s.mutation.ParseFromArray(command.data(), static_cast<int>(command.size()));
  if (s.valid && s.mutation.op_case() == pb::Mutation::kSplit) {
    pb::SplitEntry entry;
    s.is_split = true;
    if (entry.ParseFromArray(command.data(), static_cast<int>(command.size()))) {
      s.members = members_of(entry);
    }
  }
  staged_.push_back(std::move(s));
  return {};
}

status segment_state_machine::flush(const result_sink& sink) {
  if (staged_.empty()) return {};
  size_t begin = 0;
  status st;
  for (size_t i = 0; i < staged_.size() && st; ++i) {
    if (!staged_[i].is_split) continue;
    st = apply_run(begin, i, sink);
    if (st) st = apply_split(staged_[i], sink);
    begin = i + 1;
  }
  if (st) st = apply_run(begin, staged_.size(), sink);
  staged_.clear();
  return st;
}

status segment_state_machine::apply_run(size_t begin, size_t end, const result_sink& sink) {
  if (begin >= end) return {};
  std::vector<store::indexed_mutation> batch;
  batch.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    if (staged_[i].valid) batch.push_back(store::indexed_mutation{&staged_[i].mutation, staged_[i].index});
  }
  std::vector<pb::MutationResult> results;
  if (!batch.empty()) {
    auto r = store_.apply_batch(batch);
    if (!r) return std::move(r).error();
    results = std::move(*r);
  }
  size_t next = 0;
  for (size_t i = begin; i < end; ++i) {
    std::string bytes = staged_[i].valid ? results[next++].SerializeAsString() : malformed_result();
    sink(staged_[i].index, bytes);
  }
  return {};
}

status segment_state_machine::apply_split(staged& s, const result_sink& sink) {
  std::string bytes;
  if (s.index <= store_.applied_index()) {
    // A replay of a split this store already went through (restart).
    bytes = pb::MutationResult{}.SerializeAsString();
    sink(s.index, bytes);
    return {};
  }
  split_plan plan{s.index, s.mutation.split(), std::move(s.members)};
  if (auto why = split_executor::invalid(store_.meta(), plan)) {
    // Refused alike everywhere: record the index as applied, change nothing.
    pb::Mutation noop;
    noop.mutable_noop();
    auto r = store_.apply(noop, s.index);
    if (!r) return std::move(r).error();
    bytes = failure(errc::invalid_argument, *why).SerializeAsString();
    sink(s.index, bytes);
    return {};
  }
  auto outcome = splitter_.execute(store_, plan);
  if (!outcome) return std::move(outcome).error();
  pb::MutationResult ok;
  ok.set_position(store_.last_position());
  bytes = ok.SerializeAsString();
  splits_.push_back(std::move(*outcome));
  sink(s.index, bytes);
  return {};
}

std::vector<split_outcome> segment_state_machine::take_splits() {
  auto out = std::move(splits_);
  splits_.clear();
  return out;
}

}  // namespace ropekv::segment::detail
