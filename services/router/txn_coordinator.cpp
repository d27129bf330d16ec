#include "txn_coordinator.hpp"

#include <algorithm>
#include <random>

#include "responses.hpp"
#include "segment_call.hpp"
#include "txn_resolver.hpp"
#include "write_builder.hpp"

namespace ropekv::router {
namespace {

// A transaction id: when its first attempt started (µs, big-endian, so
// that any router can tell which of two transactions is older), then 8
// random bytes.
std::string new_txn_id(uint64_t started_us) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(16, '\0');
  uint64_t r = rng();
  for (int i = 0; i < 8; ++i) {
    id[static_cast<size_t>(i)] = static_cast<char>(started_us >> (56 - 8 * i));
    id[static_cast<size_t>(8 + i)] = static_cast<char>(r >> (8 * i));
  }
  return id;
}

uint64_t started_of(const std::string& txn_id) {
  if (txn_id.size() != 16) return 0;  // not ours: treat as older, never wound it
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(txn_id[static_cast<size_t>(i)]);
  return v;
}

uint64_t now_us() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<microseconds>(system_clock::now().time_since_epoch()).count());
}

std::chrono::milliseconds jittered_backoff(uint32_t attempt) {
  thread_local std::mt19937 rng{std::random_device{}()};
  int64_t cap = std::min<int64_t>(200, int64_t{4} << std::min<uint32_t>(attempt, 6));
  return std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng));
}

std::vector<pb::TxnOpResult> by_index(std::vector<pb::TxnOpResult> results) {
  std::sort(results.begin(), results.end(),
            [](const auto& a, const auto& b) { return a.index() < b.index(); });
  return results;
}

errc code_of(const pb::Status& st) { return static_cast<errc>(st.error_code()); }

}  // namespace

txn_coordinator::txn_coordinator(request_runtime& rt, txn_request req,
                                 std::function<void(txn_outcome)> done)
    : rt_(rt), req_(std::move(req)), done_(std::move(done)), request_key_(request_key_of(req_.request_id)),
      started_us_(now_us()) {}

void txn_coordinator::plan() {
  if (rt_.expire_if_due()) return;
  auto snap = rt_.snapshot();
  auto planned = plan_transaction(req_, *snap);
  if (!planned) {
    if (planned.error().code != to_string(errc::unavailable) || ++attempts_ > max_attempts)
      return fail(std::move(planned).error());
    return replan_after_refresh();
  }
  participants_ = std::move(*planned);
  txn_id_ = new_txn_id(started_us_);
  if (participants_.size() == 1) return one_phase();
  prepare_all();
}

void txn_coordinator::replan_after_refresh() {
  auto self = shared_from_this();
  uint64_t seen = rt_.snapshot()->version();
  rt_.after(jittered_backoff(attempts_), [self, seen] {
    self->rt_.refresh(seen, [self] { self->plan(); });
  });
}

void txn_coordinator::one_phase() {
  pb::Mutation m;
  m.set_request_key(request_key_);
  auto* t = m.mutable_transact();
  t->set_txn_id(txn_id_);
  t->set_fingerprint(req_.fingerprint);
  for (size_t i : participants_[0].ops) *t->add_ops() = req_.ops[i].op;
  auto self = shared_from_this();
  call_segment<pb::WriteRequest, pb::WriteReply>(
      rt_, {.op = op_class::idempotent_write,
            .eventual = false,
            .plan = {},
            .target = participants_[0].target,
            .build =
                [m = std::move(m)](const segment_target& target) {
                  pb::WriteRequest req;
                  *req.mutable_routing() = target.routing();
                  *req.mutable_mutation() = m;
                  return req;
                },
            .done =
                [self](net::http_result<pb::WriteReply> r) {
                  if (!r) {
                    if (r.error().code == to_string(errc::wrong_segment)) return self->replan_after_refresh();
                    return self->fail(std::move(r).error());
                  }
                  auto& res = *r->mutable_result();
                  switch (code_of(r->status())) {
                    case errc::locked: return self->conflict(&res.lock(), "an item is locked");
                    case errc::condition_failed: {
                      txn_outcome out;
                      out.what = txn_outcome::kind::canceled;
                      out.results = by_index({res.ops().begin(), res.ops().end()});
                      return self->finish(std::move(out));
                    }
                    default:
                      if (r->status().error_code() != 0) return self->fail(error_of(r->status()));
                  }
                  txn_outcome out;
                  out.what = txn_outcome::kind::committed;
                  out.results = by_index({res.ops().begin(), res.ops().end()});
                  out.version = res.commit_version();
                  out.deduplicated = res.deduplicated();
                  self->finish(std::move(out));
                },
            .resolve_locks = false});
}

pb::TxnPrepare txn_coordinator::prepare_of(const txn_participant& p) const {
  pb::TxnPrepare prep;
  prep.set_txn_id(txn_id_);
  prep.set_primary_key(req_.ops[0].key);
  prep.set_primary(p.primary);
  if (p.primary) prep.set_fingerprint(req_.fingerprint);
  for (size_t i : p.ops) *prep.add_ops() = req_.ops[i].op;
  return prep;
}

void txn_coordinator::prepare_all() {
  prepared_.assign(participants_.size(), prepared{});
  pending_ = participants_.size();
  auto self = shared_from_this();
  for (size_t i = 0; i < participants_.size(); ++i) {
    pb::Mutation m;
    if (participants_[i].primary) m.set_request_key(request_key_);
    *m.mutable_txn_prepare() = prepare_of(participants_[i]);
    call_segment<pb::WriteRequest, pb::WriteReply>(
        rt_, {.op = op_class::idempotent_write,  // a prepare is repeatable
              .eventual = false,
              .plan = {},
              .target = participants_[i].target,
              .build =
                  [m = std::move(m)](const segment_target& target) {
                    pb::WriteRequest req;
                    *req.mutable_routing() = target.routing();
                    *req.mutable_mutation() = m;
                    return req;
                  },
              .done =
                  [self, i, txn = txn_id_](net::http_result<pb::WriteReply> r) {
                    if (txn != self->txn_id_) return;  // an attempt given up already
                    self->prepared_[i].reply = std::move(r);
                    if (--self->pending_ == 0) self->on_prepared();
                  },
              .resolve_locks = false});
  }
}

void txn_coordinator::on_prepared() {
  std::optional<net::http_error> failure;
  std::optional<pb::LockInfo> lock;
  bool replan = false, lost = false, canceled = false;
  std::vector<pb::TxnOpResult> reasons;
  for (size_t i = 0; i < prepared_.size(); ++i) {
    auto& r = *prepared_[i].reply;
    if (!r) {
      if (r.error().code == to_string(errc::wrong_segment)) replan = true;
      else failure = r.error();
      continue;
    }
    const auto& res = r->result();
    if (participants_[i].primary && res.deduplicated()) {
      // This request committed before: answer that, drop this attempt.
      txn_outcome out;
      out.what = txn_outcome::kind::committed;
      out.results = by_index({res.ops().begin(), res.ops().end()});
      out.version = res.commit_version();
      out.deduplicated = true;
      auto self = shared_from_this();
      return abort_then([self, out = std::move(out)]() mutable { self->finish(std::move(out)); });
    }
    switch (code_of(r->status())) {
      case errc::locked: lock = res.lock(); break;
      case errc::conflict: lost = true; break;
      case errc::condition_failed:
        canceled = true;
        reasons.insert(reasons.end(), res.ops().begin(), res.ops().end());
        break;
      default:
        if (r->status().error_code() != 0) failure = error_of(r->status());
        else reasons.insert(reasons.end(), res.ops().begin(), res.ops().end());
    }
  }
  if (!failure && !lock && !replan && !lost && !canceled) return commit();
  auto self = shared_from_this();
  abort_then([self, failure, lock, replan, lost, canceled, reasons = std::move(reasons)]() mutable {
    if (failure) return self->fail(*failure);
    if (replan) return self->replan_after_refresh();
    // A failed condition is the answer only once no participant was locked
    // or lost: an earlier copy of this very request (a client retry) may
    // have committed, which the primary says (deduplicated) only when its
    // prepare runs; until then a condition failing elsewhere may be this
    // request's own write.
    if (lock || lost)
      return self->conflict(lock ? &*lock : nullptr, lock ? "an item is locked" : "lost to a concurrent resolver");
    if (canceled) {
      txn_outcome out;
      out.what = txn_outcome::kind::canceled;
      // Ops of participants that found nothing wrong count as "none".
      std::vector<pb::TxnOpResult> all(self->req_.ops.size());
      for (size_t i = 0; i < all.size(); ++i) all[i].set_index(static_cast<uint32_t>(i));
      for (auto& r : reasons) all[r.index()] = std::move(r);
      for (auto& r : all) {
        r.clear_item();
        r.set_found(false);
      }
      out.results = std::move(all);
      return self->finish(std::move(out));
    }
    self->fail(net::http_error::from(errc::internal, "prepare ended without an outcome"));
  });
}

void txn_coordinator::commit() {
  uint64_t version = 0;
  std::vector<pb::TxnOpResult> prepared;
  for (const auto& p : prepared_) {
    const auto& res = (*p.reply)->result();
    version = std::max(version, res.commit_floor());
    prepared.insert(prepared.end(), res.ops().begin(), res.ops().end());
  }
  auto results = by_index(committed_results(prepared, version));
  pb::TxnDecide d;
  d.set_txn_id(txn_id_);
  d.set_primary_key(req_.ops[0].key);
  d.set_commit(true);
  d.set_commit_version(version);
  d.set_fingerprint(req_.fingerprint);
  // What a retry of this request_id gets back (items of gets included).
  auto* kept = d.mutable_outcome();
  for (const auto& r : results) *kept->add_ops() = r;
  kept->set_commit_version(version);
  kept->set_txn_state(pb::TXN_COMMITTED);
  auto self = shared_from_this();
  decide_txn(rt_, std::move(d),
             [self, version, results = std::move(results)](net::http_result<pb::MutationResult> r) mutable {
               if (!r) {
                 // The primary may or may not have recorded the commit: a
                 // retry with the same request_id learns which.
                 auto err = r.error();
                 err.message = "transaction outcome unknown (" + err.message +
                               "); retry with the same request_id to learn it";
                 return self->fail(std::move(err));
               }
               if (r->txn_state() != pb::TXN_COMMITTED)
                 return self->abort_then([self] { self->conflict(nullptr, "aborted by a resolver"); });
               // Committed: the others apply their part after the answer.
               std::vector<std::string> keys;
               for (const auto& p : self->participants_)
                 if (!p.primary) keys.push_back(self->req_.ops[p.ops.front()].key);
               self->rt_.spawn_background([txn = self->txn_id_, keys, version](request_runtime& bg) {
                 auto left = std::make_shared<size_t>(keys.size());
                 for (const auto& key : keys)
                   apply_outcome(bg, txn, key, true, version, [&bg, left](bool) {
                     if (--*left == 0) bg.reply_json(200, "{}");
                   });
               });
               txn_outcome out;
               out.what = txn_outcome::kind::committed;
               out.results = std::move(results);
               out.version = version;
               self->finish(std::move(out));
             });
}

void txn_coordinator::abort_then(std::function<void()> next) {
  auto left = std::make_shared<size_t>(participants_.size());
  auto step = [left, next = std::move(next)](bool) {
    if (--*left == 0) next();
  };
  for (const auto& p : participants_) {
    if (p.primary) {
      pb::TxnDecide d;
      d.set_txn_id(txn_id_);
      d.set_primary_key(req_.ops[0].key);
      d.set_commit(false);
      decide_txn(rt_, std::move(d), [step](net::http_result<pb::MutationResult> r) { step(r.ok()); });
    } else {
      apply_outcome(rt_, txn_id_, req_.ops[p.ops.front()].key, false, 0, step);
    }
  }
}

void txn_coordinator::conflict(const pb::LockInfo* lock, std::string why) {
  if (++attempts_ > max_attempts) {
    return fail(net::http_error::from(
        errc::conflict, "transaction lost to concurrent ones " + std::to_string(max_attempts) +
                            " times (" + why + "); try again"));
  }
  auto self = shared_from_this();
  auto again = [self] { self->rt_.after(jittered_backoff(self->attempts_), [self] { self->plan(); }); };
  bool stale = lock && lock->age_ms() >= static_cast<uint64_t>(rt_.options().txn_lock_ttl.count());
  // Wound-wait: an older transaction aborts a younger one in its way
  // (unless it committed already) instead of losing to it again and again;
  // the younger one retries later. So the oldest always makes progress.
  bool wound = lock && started_of(lock->txn_id()) > started_us_;
  if (stale || wound) {
    return resolve_lock(rt_, *lock, [self](bool) {
      self->rt_.after(std::chrono::milliseconds(1), [self] { self->plan(); });
    });
  }
  again();
}

void txn_coordinator::finish(txn_outcome outcome) {
  if (finished_) return;
  finished_ = true;
  done_(std::move(outcome));
}

void txn_coordinator::fail(net::http_error err) {
  txn_outcome out;
  out.error = std::move(err);
  finish(std::move(out));
}

void run_transaction(request_runtime& rt, txn_request req, std::function<void(txn_outcome)> done) {
  std::make_shared<txn_coordinator>(rt, std::move(req), std::move(done))->start();
}

}  // namespace ropekv::router
