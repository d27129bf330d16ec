// Membership changes and leadership transfer of a replica.
#include "replica_ops.hpp"
#include "ropekv/consensus/raft_status.hpp"

namespace ropekv::consensus {

status replica::add_nonvoter(node_id id, const std::string& address, done_callback cb) {
  if (!is_leader()) return not_leader_error();
  auto* op = track(std::make_unique<change_op>());
  op->cb = std::move(cb);
  op->target = id;
  // c-raft adds servers as spares (no log); a standby replicates the log
  // without voting, which is what lets it catch up before promotion.
  op->then_role = RAFT_STANDBY;
  int rv = raft_add(&raft_, &op->req, id.value, address.c_str(), &replica::on_change);
  if (rv != 0) {
    forget(op);
    return raft_error(rv, "raft_add");
  }
  return {};
}

status replica::promote(node_id id, done_callback cb) {
  if (!is_leader()) return not_leader_error();
  auto* op = track(std::make_unique<change_op>());
  op->cb = std::move(cb);
  op->target = id;
  // For a voter c-raft first runs catch-up rounds, then commits the change.
  int rv = raft_assign(&raft_, &op->req, id.value, RAFT_VOTER, &replica::on_change);
  if (rv != 0) {
    forget(op);
    return raft_error(rv, "raft_assign");
  }
  return {};
}

status replica::remove(node_id id, done_callback cb) {
  if (!is_leader()) return not_leader_error();
  auto* op = track(std::make_unique<change_op>());
  op->cb = std::move(cb);
  op->target = id;
  int rv = raft_remove(&raft_, &op->req, id.value, &replica::on_change);
  if (rv != 0) {
    forget(op);
    return raft_error(rv, "raft_remove");
  }
  return {};
}

void replica::on_change(struct raft_change* req, int status) {
  auto* op = static_cast<change_op*>(req->data);
  replica* self = op->self;
  if (status == 0 && op->then_role >= 0) {
    // Next step from poll(), outside c-raft's apply loop.
    self->chained_.push_back(op);
    return;
  }
  ropekv::status st;
  if (status != 0) st = raft_error(status, "configuration change");
  self->complete([cb = std::move(op->cb), st] { cb(st); });
  self->forget(op);
}

bool replica::run_chained_changes() {
  if (chained_.empty()) return false;
  auto chained = std::move(chained_);
  chained_.clear();
  for (auto* op : chained) {
    int role = op->then_role;
    op->then_role = -1;
    int rv = is_leader() ? raft_assign(&raft_, &op->req, op->target.value, role, &replica::on_change)
                         : RAFT_NOTLEADER;
    if (rv != 0) {
      auto err = raft_error(rv, "raft_assign");
      complete([cb = std::move(op->cb), err] { cb(err); });
      forget(op);
    }
  }
  return true;
}

status replica::transfer_leadership(node_id to, done_callback cb) {
  if (!accepting()) return not_leader_error();
  auto* op = track(std::make_unique<transfer_op>());
  op->cb = std::move(cb);
  op->target = to;
  int rv = raft_transfer(&raft_, &op->req, to.value, &replica::on_transfer);
  if (rv != 0) {
    forget(op);
    return raft_error(rv, "raft_transfer");
  }
  return {};
}

void replica::on_transfer(struct raft_transfer* req) {
  auto* op = static_cast<transfer_op*>(req->data);
  replica* self = op->self;
  // c-raft calls back on success and on timeout alike: check who leads.
  auto l = self->leader();
  bool ok = l && l->id != self->options_.id && (op->target.value == 0 || l->id == op->target);
  ropekv::status st;
  if (!ok) st = make_error(errc::unavailable, "leadership transfer did not complete");
  self->complete([cb = std::move(op->cb), st] { cb(st); });
  self->forget(op);
}

}  // namespace ropekv::consensus
