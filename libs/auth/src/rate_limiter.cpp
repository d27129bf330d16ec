#include "ropekv/auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace ropekv::auth {
namespace {

double capacity(double rate) { return std::max(1.0, rate); }

// Buckets idle this long are full again: dropping them changes nothing.
constexpr auto idle = std::chrono::seconds(60);

}  // namespace

uint32_t rate_limiter::admit(const std::string& key, double rate, clock::time_point now) {
  if (!(rate > 0)) return 0;
  std::lock_guard lock(mutex_);
  if (buckets_.size() > 1024 && now - last_prune_ > idle) prune(now);
  auto [it, fresh] = buckets_.try_emplace(key, bucket{capacity(rate), now});
  bucket& b = it->second;
  if (!fresh && now > b.updated) {
    double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.level = std::min(capacity(rate), b.level + elapsed * rate);
    b.updated = now;
  }
  if (b.level >= 1.0) {
    b.level -= 1.0;
    return 0;
  }
  double wait = (1.0 - b.level) / rate;
  return static_cast<uint32_t>(std::max(1.0, std::ceil(wait)));
}

size_t rate_limiter::size() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

void rate_limiter::prune(clock::time_point now) {
  last_prune_ = now;
  std::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.updated > idle; });
}

}  // namespace ropekv::auth
