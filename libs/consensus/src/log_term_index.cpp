#include "ropekv/consensus/log_term_index.hpp"

#include <algorithm>

namespace ropekv::consensus {

void log_term_index::append(uint64_t index, uint64_t term) {
  if (!runs_.empty() && index <= last_) truncate_suffix(index);
  // A hole: what came before no longer describes a contiguous log.
  if (!runs_.empty() && index != last_ + 1) clear();
  if (runs_.empty() || runs_.back().term != term) runs_.push_back(run{index, term});
  last_ = index;
}

void log_term_index::truncate_suffix(uint64_t from) noexcept {
  while (!runs_.empty() && runs_.back().first >= from) runs_.pop_back();
  if (runs_.empty()) {
    last_ = 0;
  } else {
    last_ = std::min(last_, from - 1);
  }
}

void log_term_index::truncate_prefix(uint64_t before) noexcept {
  if (runs_.empty()) return;
  if (before > last_) {
    clear();
    return;
  }
  // Drop runs that end before `before`: run i ends at runs_[i + 1].first - 1.
  size_t drop = 0;
  while (drop + 1 < runs_.size() && runs_[drop + 1].first <= before) ++drop;
  runs_.erase(runs_.begin(), runs_.begin() + static_cast<std::ptrdiff_t>(drop));
  runs_.front().first = std::max(runs_.front().first, before);
}

uint64_t log_term_index::last_index_of(uint64_t term) const noexcept {
  uint64_t end = last_;
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it) {
    if (it->term == term) return end;
    end = it->first - 1;
  }
  return 0;
}

}  // namespace ropekv::consensus
