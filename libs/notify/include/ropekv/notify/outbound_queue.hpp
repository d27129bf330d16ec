#pragma once
// outbound_queue: one connection's FIFO of text frames waiting to be
// written, with a byte budget so a slow consumer cannot grow it without
// bound.
//
// Budget: bytes() is the sum of the sizes of the queued frames (payload
// only, framing overhead is not counted). push() refuses a frame that would
// make bytes() exceed budget(), including a single frame bigger than the
// budget on an empty queue; the caller decides what to do (the notifier
// closes the connection with `slow_consumer`, it never drops frames silently).
// push_unbudgeted() always enqueues: for a final frame before a close.
//
// Invariants: bytes() == sum of the queued frames' sizes; frames leave in
// the order they were pushed. A reference returned by front() stays valid
// across push()/push_unbudgeted() (a std::deque never moves its elements on
// push_back) until that frame is popped or the queue cleared.
//
// Not thread-safe: the owner serialises access (ws_session guards it with
// its mutex).
#include <cstddef>
#include <deque>
#include <string>

namespace ropekv::notify {

class outbound_queue {
 public:
  explicit outbound_queue(size_t budget_bytes) : budget_(budget_bytes) {}

  /// Enqueues `frame` unless bytes() + frame.size() > budget(); returns
  /// whether it did. A refused frame is dropped (the argument was moved in).
  [[nodiscard]] bool push(std::string frame);
  /// Enqueues regardless of the budget.
  void push_unbudgeted(std::string frame);

  /// Precondition: !empty().
  const std::string& front() const;
  /// Removes and returns the oldest frame. Precondition: !empty().
  std::string pop();
  void clear() noexcept;

  bool empty() const noexcept { return frames_.empty(); }
  size_t size() const noexcept { return frames_.size(); }
  size_t bytes() const noexcept { return bytes_; }
  size_t budget() const noexcept { return budget_; }

 private:
  std::deque<std::string> frames_;
  size_t bytes_ = 0;
  size_t budget_;
};

}  // namespace ropekv::notify
