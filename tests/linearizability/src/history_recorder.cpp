#include "ropekv/linearizability/history_recorder.hpp"

#include <cassert>
#include <chrono>
#include <utility>

namespace ropekv::lin {

namespace {

history_recorder::clock_fn steady_clock_since_now() {
  auto start = std::chrono::steady_clock::now();
  return [start] {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::steady_clock::now() - start)
            .count());
  };
}

}  // namespace

history_recorder::history_recorder()
    : history_recorder(steady_clock_since_now()) {}

history_recorder::history_recorder(clock_fn clock) : clock_(std::move(clock)) {}

history_recorder::handle history_recorder::invoke(client_id client,
                                                  std::string key,
                                                  op_input input) {
  std::lock_guard lock(mutex_);
  operation op;
  op.client = client;
  op.key = std::move(key);
  op.input = std::move(input);
  op.invoke_time = clock_();
  ops_.push_back(std::move(op));
  discarded_.push_back(false);
  return handle{ops_.size() - 1};
}

void history_recorder::complete(handle op, op_output output) {
  std::lock_guard lock(mutex_);
  assert(op.index < ops_.size() && !ops_[op.index].output);
  ops_[op.index].return_time = clock_();
  ops_[op.index].output = std::move(output);
}

void history_recorder::complete_unknown(handle op) {
  std::lock_guard lock(mutex_);
  assert(op.index < ops_.size());
  ops_[op.index].output.reset();
  ops_[op.index].return_time = unknown_return;
}

void history_recorder::discard(handle op) {
  std::lock_guard lock(mutex_);
  assert(op.index < ops_.size());
  discarded_[op.index] = true;
}

std::vector<operation> history_recorder::history() const {
  std::lock_guard lock(mutex_);
  std::vector<operation> out;
  out.reserve(ops_.size());
  for (size_t i = 0; i < ops_.size(); ++i) {
    if (!discarded_[i]) out.push_back(ops_[i]);
  }
  return out;
}

}  // namespace ropekv::lin
