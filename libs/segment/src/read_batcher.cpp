#include "read_batcher.hpp"

#include "ropekv/consensus/replica.hpp"

namespace ropekv::segment::detail {

bool read_batcher::flush(consensus::replica& raft) {
  if (waiting_.empty() || in_flight_) return false;
  auto batch = std::make_shared<std::vector<read_fn>>(std::move(waiting_));
  waiting_.clear();
  auto st = raft.read_barrier([this, batch](status result) {
    in_flight_ = false;
    if (result) served_ += batch->size();
    for (auto& fn : *batch) fn(result);
  });
  if (!st) {
    for (auto& fn : *batch) fn(st);
    return true;
  }
  in_flight_ = true;
  ++barriers_;
  return true;
}

void read_batcher::fail_all(const error& err) {
  auto batch = std::move(waiting_);
  waiting_.clear();
  status st = err;
  for (auto& fn : batch) fn(st);
}

}  // namespace ropekv::segment::detail
