// De-duplication of retried writes (docs/transactions.md "Idempotency"): a
// mutation with a request_key stores its outcome in kv_requests in the same
// SQLite transaction as its effects, so a retry of the same key within the
// retention gets that outcome back and changes nothing, on every replica,
// across leader changes and restarts (the rows are replicated state, in
// snapshots and in both halves of a split).
#include <xxhash.h>

#include "store_state.hpp"

namespace ropekv::store::detail {
namespace {

// What the request asked for, without what a client's retry may change
// (the router stamps times and random ids per HTTP request).
uint64_t fingerprint(const pb::Mutation& m) {
  if (m.has_transact() && m.transact().fingerprint() != 0) return m.transact().fingerprint();
  pb::Mutation c = m;
  c.clear_timestamp_us();
  c.clear_request_id();
  c.clear_request_key();
  if (c.has_put()) c.mutable_put()->mutable_item()->clear_expires_at_ms();
  if (c.has_transact()) {
    c.mutable_transact()->clear_txn_id();
    for (auto& op : *c.mutable_transact()->mutable_ops())
      if (op.has_put()) op.mutable_put()->mutable_item()->clear_expires_at_ms();
  }
  std::string bytes = c.SerializeAsString();
  return XXH64(bytes.data(), bytes.size(), 0);
}

// Outcomes worth replaying: the ones the mutation decided. locked and
// wrong_segment mean it did nothing and a retry may succeed.
// A transaction is remembered once committed: a canceled one may be tried
// again under the same request_id (the two-phase path behaves alike).
bool decided(const pb::Mutation& m, const pb::MutationResult& r) {
  auto code = static_cast<errc>(r.error_code());
  if (m.has_transact()) return r.error_code() == 0;
  return code != errc::locked && code != errc::wrong_segment;
}

}  // namespace

bool same_request(uint64_t stored, uint64_t asked) { return stored == 0 || asked == 0 || stored == asked; }

pb::MutationResult reused_request_id() {
  return failed(errc::invalid_argument, "request_id was already used for a different request");
}

result<pb::MutationResult> apply_once(store_state& s, const pb::Mutation& m,
                                      const std::function<result<pb::MutationResult>()>& apply) {
  uint64_t fp = fingerprint(m);
  auto found = find_request(*s.db, m.request_key());
  if (!found) return std::move(found).error();
  if (*found) {
    if (!same_request((*found)->fingerprint, fp)) return reused_request_id();
    pb::MutationResult r = (*found)->result;
    // The router re-sending its own attempt (same transaction id) after a
    // timeout is one client request: only another request is "deduplicated".
    bool same_attempt = m.has_transact() && !r.txn_id().empty() && r.txn_id() == m.transact().txn_id();
    r.set_deduplicated(!same_attempt);
    return r;
  }
  auto r = apply();
  if (!r || !decided(m, *r)) return r;
  // Kept small: a replay says whether an item was there, not what it held.
  request_row row{m.timestamp_us(), fp, *r};
  row.result.clear_previous();
  if (auto st = save_request(*s.db, m.request_key(), row); !st) return std::move(st).error();
  if (auto st = expire_txn_rows(*s.db, m.timestamp_us() - s.opts.request_retention_us); !st) {
    return std::move(st).error();
  }
  return r;
}

}  // namespace ropekv::store::detail
