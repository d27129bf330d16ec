// Transactions in the store (docs/transactions.md): one-phase Transact, and
// the participant's side of two-phase commit (prepare, decide at the
// primary, resolve). Each is one mutation, so one log entry and one SQLite
// transaction: all of its effects apply or none.
//
// Versions. Every write of a transaction takes at least its commit version
// (txn_context.version_floor); several writes in one partition take the
// next ones. A prepare returns its participant's commit_floor (the lowest
// version every partition it locks can still issue) and locks those
// partitions, so no other version is issued there before the commit: the
// router's commit version max(floors) is then exactly the first version
// each partition writes, and as_of at it sees the whole transaction.
#include <algorithm>
#include <map>

#include "store_state.hpp"

namespace ropekv::store::detail {
namespace {

// The addressed item of an op, whatever its kind.
struct op_key {
  uint32_t table = 0;
  const std::string* hash_key = nullptr;
  const std::string* range_key = nullptr;
  pb::Condition condition = pb::COND_NONE;
  uint64_t expected = 0;
  bool writes = false;
};

op_key key_of(const pb::TxnOp& op) {
  switch (op.op_case()) {
    case pb::TxnOp::kPut: {
      const auto& i = op.put().item();
      return {i.table_id(), &i.hash_key(), &i.range_key(), op.put().condition(),
              op.put().expected_version(), true};
    }
    case pb::TxnOp::kDelete: {
      const auto& d = op.delete_();
      return {d.table_id(), &d.hash_key(), &d.range_key(), d.condition(), d.expected_version(), true};
    }
    case pb::TxnOp::kCheck: {
      const auto& c = op.check();
      return {c.table_id(), &c.hash_key(), &c.range_key(), c.condition(), c.expected_version(), false};
    }
    case pb::TxnOp::kGet: {
      const auto& g = op.get();
      return {g.table_id(), &g.hash_key(), &g.range_key(), pb::COND_NONE, 0, false};
    }
    case pb::TxnOp::OP_NOT_SET: break;
  }
  return {};
}

// What checking every op against the current state found.
struct evaluation {
  std::vector<item_target> targets;       // one per op, when nothing stopped it
  std::vector<pb::TxnOpResult> results;   // one per op
  std::optional<pb::MutationResult> stop; // locked / wrong_segment: the whole request fails
  bool canceled = false;                  // some op's condition or limit failed
  uint64_t commit_floor = 0;
};

std::string op_reason(const pb::MutationResult& f) { return f.error_message(); }

result<evaluation> evaluate(store_state& s, const pb::Mutation& m, const google::protobuf::RepeatedPtrField<pb::TxnOp>& ops,
                            std::string_view own_txn) {
  evaluation ev;
  uint64_t ts = m.timestamp_us() > 0 ? static_cast<uint64_t>(m.timestamp_us()) : 0;
  ev.commit_floor = ts;
  std::map<uint64_t, uint32_t> writes_in;  // per partition, for version offsets
  for (const auto& op : ops) {
    pb::TxnOpResult res;
    res.set_index(op.index());
    op_key k = key_of(op);
    if (k.hash_key == nullptr) return make_error(errc::invalid_argument, "transaction op without a kind");
    if (op.has_put()) {
      const auto& item = op.put().item();
      std::optional<pb::MutationResult> f;
      if (item.value().size() > max_value_bytes) f = failed(errc::too_large, "value over 400 KiB");
      if (item.has_rk2() && item.rk2().size() > max_rk2_bytes)
        f = failed(errc::too_large, "local index key over 1024 bytes");
      if (f) {
        res.set_error_code(f->error_code());
        res.set_error_message(op_reason(*f));
        ev.canceled = true;
      }
    }
    auto r = resolve_target(s, m.timestamp_us(), k.table, *k.hash_key, *k.range_key, own_txn);
    if (!r) return std::move(r).error();
    if (auto* f = std::get_if<pb::MutationResult>(&*r)) {
      auto code = static_cast<errc>(f->error_code());
      if (code == errc::locked || code == errc::wrong_segment) {
        ev.stop = std::move(*f);
        return ev;
      }
      res.set_error_code(f->error_code());
      res.set_error_message(op_reason(*f));
      ev.canceled = true;
      ev.targets.emplace_back();
      ev.results.push_back(std::move(res));
      continue;
    }
    item_target& t = std::get<item_target>(*r);
    if (t.live) res.set_version(t.current->version);
    if (op.has_get() && t.live) {
      *res.mutable_item() = to_item(*t.current, *k.hash_key, *k.range_key);
      res.set_found(true);
    }
    if (auto f = check_condition(k.condition, k.expected, t)) {
      res.set_error_code(f->error_code());
      res.set_error_message(op_reason(*f));
      ev.canceled = true;
    }
    if (k.writes) ev.commit_floor = std::max(ev.commit_floor, t.st->max_issued + 1);
    // A delete writes a tombstone only over a stored item (apply_delete).
    bool writes = op.has_put() || (op.has_delete_() && t.current && t.current->kind == row_kind::put);
    if (writes) {
      res.set_writes(true);
      res.set_version_offset(writes_in[t.tp]++);
    }
    ev.targets.push_back(std::move(t));
    ev.results.push_back(std::move(res));
  }
  return ev;
}

pb::MutationResult canceled(evaluation& ev) {
  auto r = failed(errc::condition_failed, "transaction canceled: an operation's condition failed");
  for (auto& o : ev.results) *r.add_ops() = std::move(o);
  return r;
}

// Applies one write op (its condition already checked, and cleared so that
// an expiry between prepare and commit cannot flip it) in the caller's
// transaction; fills the op's result. `resolved`: the op's item as this
// transaction resolved it (one-phase), else it is looked up again.
result<void> apply_write(store_state& s, const pb::Mutation& m, const pb::TxnOp& op,
                         uint64_t log_index, txn_context& ctx, pb::TxnOpResult& res,
                         pb::MutationResult& total, item_target* resolved = nullptr) {
  if (!op.has_put() && !op.has_delete_()) return {};
  pb::Mutation sub;
  sub.set_timestamp_us(m.timestamp_us());
  if (op.has_put()) {
    *sub.mutable_put() = op.put();
    sub.mutable_put()->set_condition(pb::COND_NONE);
  } else {
    *sub.mutable_delete_() = op.delete_();
    sub.mutable_delete_()->set_condition(pb::COND_NONE);
  }
  auto r = resolved ? (op.has_put() ? apply_put_to(s, sub, *resolved, log_index, ctx)
                                     : apply_delete_to(s, sub, *resolved, log_index, ctx))
                    : (op.has_put() ? apply_put(s, sub, log_index, ctx) : apply_delete(s, sub, log_index, ctx));
  if (!r) return std::move(r).error();
  if (r->error_code() != 0) {
    // Checked a moment ago inside the same transaction: cannot happen.
    return make_error(errc::internal, "transaction write failed after its checks: " + r->error_message());
  }
  if (r->version() != 0) {
    res.set_version(r->version());
    total.set_version(std::max(total.version(), r->version()));
    total.set_position(r->position());
  }
  return {};
}

// Commits the locked ops of `txn` here at commit_version and releases them.
result<pb::MutationResult> commit_locks(store_state& s, const pb::Mutation& m, std::string_view txn,
                                        uint64_t commit_version, uint64_t log_index,
                                        txn_context& ctx) {
  auto held = s.locks.of_txn(txn);
  if (auto r = s.locks.release(*s.db, txn); !r) return std::move(r).error();
  pb::MutationResult total;
  ctx.txn_id = std::string(txn);
  ctx.version_floor = commit_version;
  // Op order, so that versions within a partition follow the request.
  std::sort(held.begin(), held.end(),
            [](const lock_row& a, const lock_row& b) { return a.op.index() < b.op.index(); });
  for (const auto& l : held) {
    pb::TxnOpResult res;
    res.set_index(l.op.index());
    if (auto w = apply_write(s, m, l.op, log_index, ctx, res, total); !w) return std::move(w).error();
    *total.add_ops() = std::move(res);
  }
  ctx.txn_id.clear();
  ctx.version_floor = 0;
  return total;
}

void expire_old(store_state& s, const pb::Mutation& m, status& st) {
  if (st) st = expire_txn_rows(*s.db, m.timestamp_us() - s.opts.request_retention_us);
}

}  // namespace

result<pb::MutationResult> apply_transact(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                          txn_context& ctx) {
  const pb::Transact& tx = m.transact();
  auto ev = evaluate(s, m, tx.ops(), {});
  if (!ev) return std::move(ev).error();
  if (ev->stop) return std::move(*ev->stop);
  if (ev->canceled) return canceled(*ev);
  pb::MutationResult total;
  ctx.txn_id = tx.txn_id();
  ctx.version_floor = ev->commit_floor;
  for (int i = 0; i < tx.ops_size(); ++i) {
    auto& res = ev->results[static_cast<size_t>(i)];
    auto& target = ev->targets[static_cast<size_t>(i)];
    if (auto w = apply_write(s, m, tx.ops(i), log_index, ctx, res, total, &target); !w) {
      return std::move(w).error();
    }
    *total.add_ops() = std::move(res);
  }
  ctx.txn_id.clear();
  ctx.version_floor = 0;
  // Every partition's first write took exactly the floor (see the top).
  total.set_commit_version(ev->commit_floor);
  total.set_txn_state(pb::TXN_COMMITTED);
  total.set_txn_id(tx.txn_id());
  return total;
}

result<pb::MutationResult> apply_prepare(store_state& s, const pb::Mutation& m, uint64_t,
                                         txn_context&) {
  const pb::TxnPrepare& p = m.txn_prepare();
  if (p.txn_id().empty()) return failed(errc::invalid_argument, "prepare without a transaction id");
  if (p.primary()) {
    // A retry of a request whose transaction already committed.
    if (!m.request_key().empty()) {
      auto done = find_request(*s.db, m.request_key());
      if (!done) return std::move(done).error();
      if (*done) {
        if (!same_request((*done)->fingerprint, p.fingerprint())) return reused_request_id();
        pb::MutationResult r = (*done)->result;
        r.set_deduplicated(true);
        return r;
      }
    }
  }
  // Decided here already (the primary's record, or a participant's mark of
  // its resolve): a prepare that arrives late, after the router retried it
  // and the transaction was decided and resolved, must not lock again, or
  // a resolver would apply a committed transaction twice.
  auto rec = find_txn(*s.db, p.txn_id());
  if (!rec) return std::move(rec).error();
  if (*rec && (*rec)->state != pb::TXN_PENDING) {
    auto r = failed(errc::conflict, "transaction already decided");
    r.set_txn_state((*rec)->state);
    return r;
  }
  auto ev = evaluate(s, m, p.ops(), p.txn_id());
  if (!ev) return std::move(ev).error();
  if (ev->stop) return std::move(*ev->stop);
  if (ev->canceled) return canceled(*ev);
  for (int i = 0; i < p.ops_size(); ++i) {
    const item_target& t = ev->targets[static_cast<size_t>(i)];
    lock_row l{t.key, t.tp, p.txn_id(), p.primary_key(), m.timestamp_us(), p.ops(i)};
    if (auto r = s.locks.insert(*s.db, std::move(l)); !r) return std::move(r).error();
  }
  if (p.primary()) {
    txn_record rec{p.txn_id(), pb::TXN_PENDING, 0, m.timestamp_us(), m.request_key(),
                   p.primary_key()};
    if (auto r = save_txn(*s.db, rec); !r) return std::move(r).error();
  }
  pb::MutationResult out;
  for (auto& o : ev->results) *out.add_ops() = std::move(o);
  out.set_commit_floor(ev->commit_floor);
  out.set_txn_state(pb::TXN_PENDING);
  return out;
}

result<pb::MutationResult> apply_decide(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx) {
  const pb::TxnDecide& d = m.txn_decide();
  auto found = find_txn(*s.db, d.txn_id());
  if (!found) return std::move(found).error();
  txn_record rec =
      found->value_or(txn_record{d.txn_id(), pb::TXN_UNKNOWN, 0, m.timestamp_us(), {}, d.primary_key()});
  pb::MutationResult out;
  status st;
  if (rec.state == pb::TXN_UNKNOWN) {
    // Never prepared here (or decided so long ago that the record is gone):
    // it cannot commit, and the aborted record refuses a late prepare.
    rec.state = pb::TXN_ABORTED;
    st = save_txn(*s.db, rec);
  } else if (rec.state == pb::TXN_PENDING && d.commit()) {
    auto done = commit_locks(s, m, d.txn_id(), d.commit_version(), log_index, ctx);
    if (!done) return std::move(done).error();
    out = std::move(*done);
    rec.state = pb::TXN_COMMITTED;
    rec.commit_version = d.commit_version();
    rec.ts_us = m.timestamp_us();
    st = save_txn(*s.db, rec);
    if (st && !rec.request_key.empty()) {
      st = save_request(*s.db, rec.request_key, request_row{m.timestamp_us(), d.fingerprint(), d.outcome()});
    }
  } else if (rec.state == pb::TXN_PENDING) {
    st = s.locks.release(*s.db, d.txn_id());
    rec.state = pb::TXN_ABORTED;
    rec.ts_us = m.timestamp_us();
    if (st) st = save_txn(*s.db, rec);
  }
  expire_old(s, m, st);
  if (!st) return std::move(st).error();
  out.set_txn_state(rec.state);
  out.set_commit_version(rec.commit_version);
  return out;
}

result<pb::MutationResult> apply_resolve(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                         txn_context& ctx) {
  const pb::TxnResolve& r = m.txn_resolve();
  pb::MutationResult out;
  if (r.commit()) {
    auto done = commit_locks(s, m, r.txn_id(), r.commit_version(), log_index, ctx);
    if (!done) return std::move(done).error();
    out = std::move(*done);
  } else if (auto st = s.locks.release(*s.db, r.txn_id()); !st) {
    return std::move(st).error();
  }
  // Remember the resolve (unless this segment holds the record itself), so
  // that a late prepare is refused; kept for the request retention, with no
  // primary key so that both halves of a split keep it.
  auto rec = find_txn(*s.db, r.txn_id());
  if (!rec) return std::move(rec).error();
  if (!*rec) {
    txn_record mark{r.txn_id(), r.commit() ? pb::TXN_COMMITTED : pb::TXN_ABORTED, r.commit_version(),
                    m.timestamp_us(), {}, {}};
    if (auto st = save_txn(*s.db, mark); !st) return std::move(st).error();
  }
  status st;
  expire_old(s, m, st);
  if (!st) return std::move(st).error();
  out.set_txn_state(r.commit() ? pb::TXN_COMMITTED : pb::TXN_ABORTED);
  out.set_commit_version(r.commit_version());
  return out;
}

}  // namespace ropekv::store::detail
