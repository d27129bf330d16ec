// The read side of transaction locks: which items a reader must not answer
// for yet, and which locks a resolver should look at.
#include <algorithm>

#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {

std::optional<pb::LockInfo> segment_store::lock_on(std::string_view key, int64_t now_us) const {
  const detail::lock_row* l = s_->locks.on_key(key);
  if (l == nullptr) return std::nullopt;
  return detail::lock_info(*l, now_us);
}

std::optional<pb::LockInfo> segment_store::lock_within(std::string_view start, std::string_view end,
                                                       int64_t now_us) const {
  const detail::lock_row* l = s_->locks.within(start, end);
  if (l == nullptr) return std::nullopt;
  return detail::lock_info(*l, now_us);
}

std::vector<pb::LockInfo> segment_store::stale_locks(int64_t now_us, int64_t min_age_us,
                                                     size_t limit) const {
  std::vector<const detail::lock_row*> old;
  for (const auto& [key, l] : s_->locks.all())
    if (now_us - l.ts_us >= min_age_us) old.push_back(&l);
  std::sort(old.begin(), old.end(),
            [](const auto* a, const auto* b) { return a->ts_us < b->ts_us; });
  std::vector<pb::LockInfo> out;
  for (size_t i = 0; i < old.size() && out.size() < limit; ++i) {
    out.push_back(detail::lock_info(*old[i], now_us));
  }
  return out;
}

}  // namespace ropekv::store
