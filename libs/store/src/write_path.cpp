// apply() and apply_batch(): the only write path. Each call is one SQLite
// transaction; the applied log index is persisted in it (through the log
// index stamped on the newest row, or the meta row when no row was written).
#include "ropekv/store/segment_store.hpp"
#include "store_state.hpp"

namespace ropekv::store {
namespace {

using detail::store_state;
using detail::txn_context;

result<pb::MutationResult> dispatch(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                    txn_context& ctx) {
  switch (m.op_case()) {
    case pb::Mutation::kPut: return detail::apply_put(s, m, log_index, ctx);
    case pb::Mutation::kDelete: return detail::apply_delete(s, m, log_index, ctx);
    case pb::Mutation::kExpire: return detail::apply_expire(s, m, log_index, ctx);
    case pb::Mutation::kRollback: return detail::apply_rollback(s, m, log_index, ctx);
    case pb::Mutation::kTransact: return detail::apply_transact(s, m, log_index, ctx);
    case pb::Mutation::kTxnPrepare: return detail::apply_prepare(s, m, log_index, ctx);
    case pb::Mutation::kTxnDecide: return detail::apply_decide(s, m, log_index, ctx);
    case pb::Mutation::kTxnResolve: return detail::apply_resolve(s, m, log_index, ctx);
    case pb::Mutation::kSplit:
      // The split itself is split(), run by the owner once this entry is
      // applied on every replica; here it is only checked and ordered.
      if (!s.in_segment(m.split().at_key()) || m.split().at_key() == s.meta.seg.start_key) {
        return detail::failed(errc::invalid_argument, "split key not strictly inside the segment");
      }
      return pb::MutationResult{};
    case pb::Mutation::kChunk: return detail::apply_chunk(s, m, log_index, ctx);
    case pb::Mutation::kRestore: return detail::apply_restore(s, m, log_index, ctx);
    case pb::Mutation::kNoop:
    case pb::Mutation::OP_NOT_SET:
      return pb::MutationResult{};
  }
  return detail::failed(errc::invalid_argument, "unknown mutation");
}

// One mutation inside an open transaction, with replay detection.
result<pb::MutationResult> apply_in_txn(store_state& s, const pb::Mutation& m, uint64_t log_index,
                                        txn_context& ctx) {
  if (log_index != 0 && log_index <= s.meta.applied_index) return pb::MutationResult{};
  // Client writes with a request_key are de-duplicated; a two-phase
  // transaction's steps are keyed by its id instead (txn_ops.cpp).
  bool once = !m.request_key().empty() &&
              (m.has_put() || m.has_delete_() || m.has_rollback() || m.has_transact());
  auto r = once ? detail::apply_once(s, m, [&] { return dispatch(s, m, log_index, ctx); })
                : dispatch(s, m, log_index, ctx);
  if (r && log_index != 0) s.meta.applied_index = log_index;
  return r;
}

// On open the applied index is max(meta row, log index of the newest rows),
// so the meta row is rewritten only when the newest row would say less.
status finish(store_state& s, detail::write_txn& txn, const txn_context& ctx,
              uint64_t applied_before) {
  bool stale = ctx.wrote_row ? ctx.last_row_log_index != s.meta.applied_index
                             : s.meta.applied_index != applied_before;
  if (stale) {
    if (auto r = detail::save_meta(*s.db, s.meta); !r) return r;
  }
  return txn.commit();
}

// After a failed transaction the caches may hold uncommitted state.
ropekv::error recover(store_state& s, ropekv::error err) {
  if (auto r = s.reload(); !r) {
    err.message += "; reload after rollback failed: " + r.error().message;
  }
  return err;
}

}  // namespace

result<pb::MutationResult> segment_store::apply(const pb::Mutation& m, uint64_t log_index) {
  auto& s = *s_;
  if (log_index != 0 && log_index <= s.meta.applied_index) return pb::MutationResult{};
  uint64_t applied_before = s.meta.applied_index;
  auto txn = detail::write_txn::begin(*s.db);
  if (!txn) return std::move(txn).error();
  txn_context ctx;
  auto r = apply_in_txn(s, m, log_index, ctx);
  if (!r) {
    txn->rollback();
    return recover(s, std::move(r).error());
  }
  if (auto c = finish(s, *txn, ctx, applied_before); !c) {
    txn->rollback();
    return recover(s, std::move(c).error());
  }
  return r;
}

result<std::vector<pb::MutationResult>> segment_store::apply_batch(
    std::span<const indexed_mutation> batch) {
  auto& s = *s_;
  std::vector<pb::MutationResult> out;
  out.reserve(batch.size());
  uint64_t applied_before = s.meta.applied_index;
  auto txn = detail::write_txn::begin(*s.db);
  if (!txn) return std::move(txn).error();
  txn_context ctx;
  for (const auto& e : batch) {
    if (e.mutation == nullptr) {
      txn->rollback();
      return recover(s, make_error(errc::invalid_argument, "null mutation in batch"));
    }
    auto r = apply_in_txn(s, *e.mutation, e.log_index, ctx);
    if (!r) {
      txn->rollback();
      return recover(s, std::move(r).error());
    }
    out.push_back(std::move(*r));
  }
  if (auto c = finish(s, *txn, ctx, applied_before); !c) {
    txn->rollback();
    return recover(s, std::move(c).error());
  }
  return out;
}

uint64_t segment_store::applied_index() const { return s_->meta.applied_index; }

}  // namespace ropekv::store
