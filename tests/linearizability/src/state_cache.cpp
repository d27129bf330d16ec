#include "state_cache.hpp"

#include <algorithm>

namespace ropekv::lin::detail {

namespace {

uint64_t as_word(int32_t value) {
  return static_cast<uint64_t>(static_cast<int64_t>(value));
}

// a is a subset of b, both `words` long.
bool subset(const uint64_t* a, const uint64_t* b, size_t words) {
  for (size_t i = 0; i < words; ++i) {
    if ((a[i] & ~b[i]) != 0) return false;
  }
  return true;
}

}  // namespace

state_cache::state_cache(size_t known_words, size_t pending_words)
    : known_stride_(known_words + 1), pending_words_(pending_words), slots_(1024, 0) {}

bool state_cache::visit(uint64_t hash, const std::vector<uint64_t>& known,
                        int32_t value, const std::vector<uint64_t>& pending) {
  const size_t group = find_or_add_group(hash, known, value);
  const uint64_t* p = pending.data();
  // Walk the group's records: stop if one dominates the new state, unlink the
  // ones the new state dominates (they can never prune anything it won't).
  uint32_t* link = &group_head_[group];
  while (*link != no_record) {
    const uint64_t* r = record_pool_.data() + size_t{*link} * pending_words_;
    if (subset(r, p, pending_words_)) return false;
    if (subset(p, r, pending_words_)) {
      *link = record_next_[*link];
    } else {
      link = &record_next_[*link];
    }
  }
  const auto record = static_cast<uint32_t>(record_next_.size());
  record_pool_.insert(record_pool_.end(), pending.begin(), pending.end());
  record_next_.push_back(group_head_[group]);
  group_head_[group] = record;
  return true;
}

size_t state_cache::find_or_add_group(uint64_t hash, const std::vector<uint64_t>& known,
                                      int32_t value) {
  if ((group_hashes_.size() + 1) * 2 > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  for (; slots_[i] != 0; i = (i + 1) & mask) {
    const size_t group = slots_[i] - 1;
    if (group_hashes_[group] == hash && same_group(group, known, value)) return group;
  }
  const size_t group = group_hashes_.size();
  slots_[i] = static_cast<uint32_t>(group + 1);
  group_hashes_.push_back(hash);
  group_pool_.push_back(as_word(value));
  group_pool_.insert(group_pool_.end(), known.begin(), known.end());
  group_head_.push_back(no_record);
  return group;
}

bool state_cache::same_group(size_t group, const std::vector<uint64_t>& known,
                             int32_t value) const {
  const uint64_t* g = group_pool_.data() + group * known_stride_;
  return g[0] == as_word(value) && std::equal(known.begin(), known.end(), g + 1);
}

void state_cache::grow() {
  std::vector<uint32_t> bigger(slots_.size() * 2, 0);
  const size_t mask = bigger.size() - 1;
  for (size_t group = 0; group < group_hashes_.size(); ++group) {
    size_t i = group_hashes_[group] & mask;
    while (bigger[i] != 0) i = (i + 1) & mask;
    bigger[i] = static_cast<uint32_t>(group + 1);
  }
  slots_ = std::move(bigger);
}

}  // namespace ropekv::lin::detail
