#include "ropekv/notify/outbound_queue.hpp"

#include <cassert>
#include <utility>

namespace ropekv::notify {

bool outbound_queue::push(std::string frame) {
  // Written so that it cannot overflow: bytes_ <= budget_ holds for every
  // queue filled only through push().
  if (frame.size() > budget_ || bytes_ > budget_ - frame.size()) return false;
  push_unbudgeted(std::move(frame));
  return true;
}

void outbound_queue::push_unbudgeted(std::string frame) {
  bytes_ += frame.size();
  frames_.push_back(std::move(frame));
}

const std::string& outbound_queue::front() const {
  assert(!frames_.empty());
  return frames_.front();
}

std::string outbound_queue::pop() {
  assert(!frames_.empty());
  std::string frame = std::move(frames_.front());
  frames_.pop_front();
  bytes_ -= frame.size();
  return frame;
}

void outbound_queue::clear() noexcept {
  frames_.clear();
  bytes_ = 0;
}

}  // namespace ropekv::notify
