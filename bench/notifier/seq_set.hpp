#pragma once
// seq_set: which write sequence numbers one subscriber has received, as a
// bitmap that grows with the largest number seen. Owned by one subscriber
// connection and touched only by its I/O thread until the run is over; the
// main thread reads it after the I/O threads are joined.
#include <cstdint>
#include <vector>

namespace ropekv::bench {

class seq_set {
 public:
  /// Marks `seq`; true when it was not there yet.
  bool insert(uint64_t seq) {
    const uint64_t word = seq >> 6;
    if (word >= words_.size()) words_.resize(std::max<uint64_t>(word + 1, words_.size() * 2), 0);
    const uint64_t bit = uint64_t{1} << (seq & 63);
    if (words_[word] & bit) return false;
    words_[word] |= bit;
    ++size_;
    return true;
  }
  bool contains(uint64_t seq) const {
    const uint64_t word = seq >> 6;
    return word < words_.size() && (words_[word] >> (seq & 63) & 1) != 0;
  }
  uint64_t size() const noexcept { return size_; }

 private:
  std::vector<uint64_t> words_;
  uint64_t size_ = 0;
};

}  // namespace ropekv::bench
