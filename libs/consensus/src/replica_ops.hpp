#pragma once
// Internal to replica*.cpp: the C request records c-raft holds while a
// request is in flight. Each is owned by replica::live_ from submission
// until c-raft's callback (or the replica's destruction).
#include "ropekv/consensus/replica.hpp"

namespace ropekv::consensus {

struct replica::op_base {
  virtual ~op_base() = default;
  replica* self = nullptr;
};

// One raft_apply carrying `count` proposals at indexes [req.index, +count).
struct replica::apply_op final : op_base {
  struct raft_apply req {};
  unsigned count = 0;
};

// One raft_barrier shared by every reader queued when it was issued.
struct replica::barrier_op final : op_base {
  struct raft_barrier req {};
  std::vector<done_callback> readers;
};

// A configuration change; add_nonvoter chains raft_add then raft_assign.
struct replica::change_op final : op_base {
  struct raft_change req {};
  done_callback cb;
  node_id target;
  int then_role = -1;  // role to assign once the current step commits
};

struct replica::transfer_op final : op_base {
  struct raft_transfer req {};
  done_callback cb;
  node_id target;
};

template <class T>
T* replica::track(std::unique_ptr<T> op) {
  T* raw = op.get();
  raw->self = this;
  raw->req.data = raw;
  live_.emplace(raw, std::move(op));
  return raw;
}

}  // namespace ropekv::consensus
