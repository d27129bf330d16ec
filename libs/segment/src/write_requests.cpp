// Writes (put / delete / rollback): validated against the segment, stamped
// with the leader's clock, proposed, answered with the MutationResult once
// applied.
#include "replica_state.hpp"
#include "replies.hpp"

namespace ropekv::segment {

using detail::make_status;

namespace {

pb::WriteReply reply_with(pb::Status status) {
  pb::WriteReply r;
  *r.mutable_status() = std::move(status);
  return r;
}

// Every item of a transaction's ops here must be ours.
std::optional<pb::Status> check_ops(const store::segment_meta& meta,
                                    const google::protobuf::RepeatedPtrField<pb::TxnOp>& ops) {
  if (ops.empty()) return make_status(errc::invalid_argument, "transaction without operations");
  for (const auto& op : ops) {
    std::optional<pb::Status> bad;
    switch (op.op_case()) {
      case pb::TxnOp::kPut: {
        const auto& i = op.put().item();
        bad = detail::check_item(meta, i.table_id(), i.hash_key(), i.range_key());
        break;
      }
      case pb::TxnOp::kDelete:
        bad = detail::check_item(meta, op.delete_().table_id(), op.delete_().hash_key(), op.delete_().range_key());
        break;
      case pb::TxnOp::kCheck:
        bad = detail::check_item(meta, op.check().table_id(), op.check().hash_key(), op.check().range_key());
        break;
      case pb::TxnOp::kGet:
        bad = detail::check_item(meta, op.get().table_id(), op.get().hash_key(), op.get().range_key());
        break;
      case pb::TxnOp::OP_NOT_SET:
        bad = make_status(errc::invalid_argument, "transaction op without a kind");
        break;
    }
    if (bad) return bad;
  }
  return std::nullopt;
}

// The key or partition a client mutation addresses must be ours.
std::optional<pb::Status> check_target(const store::segment_meta& meta, const pb::Mutation& m) {
  switch (m.op_case()) {
    case pb::Mutation::kPut: {
      const auto& item = m.put().item();
      return detail::check_item(meta, item.table_id(), item.hash_key(), item.range_key());
    }
    case pb::Mutation::kDelete: {
      const auto& d = m.delete_();
      return detail::check_item(meta, d.table_id(), d.hash_key(), d.range_key());
    }
    case pb::Mutation::kRollback:
      return detail::check_partition(meta, m.rollback().table_id(), m.rollback().partition());
    case pb::Mutation::kTransact: return check_ops(meta, m.transact().ops());
    case pb::Mutation::kTxnPrepare: return check_ops(meta, m.txn_prepare().ops());
    case pb::Mutation::kTxnDecide: {
      // The record lives with the primary key (splits move it there).
      const auto& pk = m.txn_decide().primary_key();
      bool ours = pk >= meta.start_key && (meta.end_key.empty() || pk < meta.end_key);
      if (!ours) return make_status(errc::wrong_segment, "transaction's primary key outside the segment");
      return std::nullopt;
    }
    case pb::Mutation::kTxnResolve: return std::nullopt;
    case pb::Mutation::kRestore: {
      // A backup's items (docs/backup.md): all of them ours, or none written.
      if (m.restore().items().empty()) return make_status(errc::invalid_argument, "restore batch without items");
      for (const auto& i : m.restore().items()) {
        if (auto bad = detail::check_item(meta, i.table_id(), i.hash_key(), i.range_key())) return bad;
      }
      return std::nullopt;
    }
    default:
      // Expire comes from the sweep, split from split(), noop from nobody.
      return make_status(errc::invalid_argument,
                         "write accepts put, delete, rollback or transaction steps only");
  }
}

}  // namespace

void segment_replica::write(const pb::WriteRequest& request, write_callback cb) {
  auto& s = *s_;
  auto meta = s.store->meta();
  if (auto bad = detail::check_routing(request.routing(), meta)) return cb(reply_with(*bad));
  if (auto bad = check_target(meta, request.mutation())) return cb(reply_with(*bad));
  if (auto bad = s.check_leader()) return cb(reply_with(*bad));
  pb::Mutation m = request.mutation();
  m.set_timestamp_us(s.now_us());
  // Raft entries must be deterministic to apply: the leader's clock goes in
  // the entry, replicas never read their own.
  auto st = s.raft->propose(m.SerializeAsString(), [cb](result<std::string> r) {
    pb::WriteReply reply;
    if (!r) {
      // not_leader here means the entry was never appended; unavailable
      // means the outcome is unknown (the client retries idempotently).
      *reply.mutable_status() = detail::to_status(r.error());
      return cb(std::move(reply));
    }
    if (!reply.mutable_result()->ParseFromString(*r)) {
      *reply.mutable_status() = make_status(errc::internal, "unreadable mutation result");
      return cb(std::move(reply));
    }
    *reply.mutable_status() = detail::to_status(reply.result());
    cb(std::move(reply));
  });
  if (!st) cb(reply_with(detail::to_status(st.error(), s.hint())));
}

}  // namespace ropekv::segment
