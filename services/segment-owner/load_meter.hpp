#pragma once
// load_meter: the load of one segment as its owner sees requests go by
// (DESIGN §6): reads/s and writes/s, exponentially decayed, and a ring of
// sampled request keys from which a hot segment's load-weighted median is
// taken (split_key.hpp).
//
// Cheap on the request path: record() is two increments; a key is encoded
// and kept only for one request in `sample_every()` (adapted at each
// decay() so the ring refills about once per time constant, whatever the
// rate). The ring holds recent keys only, so the median follows where the
// load is now, not where it was.
//
// Owned by the segment's hosted_replica entry; touched by the owner
// actor's thread only. Time is passed in (no clock).
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

namespace ropekv::segment_owner {

class load_meter {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit load_meter(size_t capacity = 512) : capacity_(capacity) {}

  void record_read() { ++reads_; }
  void record_write() { ++writes_; }
  /// Whether the current request's key should be sampled (call once per
  /// request that has a key).
  bool sample_now() { return ++seen_ % every_ == 0; }
  void add_sample(std::string key);

  /// Folds the requests since the last call into the decayed rates with
  /// time constant `tau` (weight of the new interval: 1 - e^(-dt/tau)).
  /// The first call only starts the clock.
  void decay(time_point now, std::chrono::milliseconds tau);

  double reads_per_s() const noexcept { return reads_per_s_; }
  double writes_per_s() const noexcept { return writes_per_s_; }
  double ops_per_s() const noexcept { return reads_per_s_ + writes_per_s_; }
  const std::deque<std::string>& samples() const noexcept { return samples_; }
  uint64_t sample_every() const noexcept { return every_; }

  /// After a split: the segment is half of what was measured; start over.
  void reset();

 private:
  size_t capacity_;
  uint64_t reads_ = 0, writes_ = 0;  // since the last decay()
  uint64_t seen_ = 0;
  uint64_t every_ = 1;
  double reads_per_s_ = 0, writes_per_s_ = 0;
  bool started_ = false;
  time_point last_{};
  std::deque<std::string> samples_;
};

}  // namespace ropekv::segment_owner
