#pragma once
// One simulated router running one client request, step by step as
// services/router/txn_coordinator.cpp does, dying at its crash_point.
#include "txn_sim_model.hpp"

namespace ropekv::segment::test::sim_detail {

class coordinator : public std::enable_shared_from_this<coordinator> {
 public:
  coordinator(simulation& sim, const request_spec& req, std::function<void()> gone)
      : sim_(sim), req_(req), gone_(std::move(gone)), alive_(std::make_shared<bool>(true)) {}

  void start() { plan(); }

 private:
  struct prepared {
    bool answered = false;
    std::optional<pb::WriteReply> reply;
  };

  // The router process dies here: nothing more is sent or reported.
  bool crash_at(crash_point p) {
    if (req_.crash != p || crashed_) return false;
    crashed_ = true;
    *alive_ = false;
    ++sim_.res_.coordinator_crashes;
    ++sim_.res_.crash_hits[static_cast<size_t>(p)];
    end();
    return true;
  }
  void end() {
    if (ended_) return;
    ended_ = true;
    *alive_ = false;
    gone_();
  }

  void plan() {
    if (!*alive_) return;
    if (crash_at(crash_point::before_prepare)) return;
    // plan_transaction: participants by segment, the primary is op 0's.
    participants_.clear();
    std::map<unsigned, size_t> at;
    for (size_t i = 0; i < req_.ops.size(); ++i) {
      unsigned seg = sim_.item_segment(req_.ops[i].item);
      auto [it, fresh] = at.emplace(seg, participants_.size());
      if (fresh) participants_.push_back(participant{seg, i == 0, {}});
      participants_[it->second].ops.push_back(i);
    }
    txn_id_ = "r" + std::to_string(req_.id) + ".a" + std::to_string(attempts_);
    attempt_info info;
    info.request = req_.id;
    info.ops = req_.ops;
    info.primary_key = sim_.item_key(req_.ops[0].item);
    info.primary_segment = participants_[0].segment;
    sim_.attempts_[txn_id_] = info;
    ++sim_.res_.attempts;
    prepare_all();
  }

  pb::TxnOp op_of(size_t i) const {
    const auto& o = req_.ops[i];
    pb::TxnOp op;
    op.set_index(static_cast<uint32_t>(i));
    auto* put = op.mutable_put();
    auto* item = put->mutable_item();
    item->set_table_id(table);
    item->set_hash_key(sim_.item_hk(o.item));
    item->set_value(o.value);
    put->set_condition(o.cond);
    return op;
  }

  void prepare_all() {
    prepared_.assign(participants_.size(), prepared{});
    pending_ = participants_.size();
    answered_ = 0;
    auto self = shared_from_this();
    for (size_t i = 0; i < participants_.size(); ++i) {
      if (i == req_.crash_k && crash_at(crash_point::some_prepares_sent)) return;
      pb::Mutation m;
      if (participants_[i].primary) m.set_request_key(req_.request_key);
      auto* p = m.mutable_txn_prepare();
      p->set_txn_id(txn_id_);
      p->set_primary_key(sim_.item_key(req_.ops[0].item));
      p->set_primary(participants_[i].primary);
      for (size_t k : participants_[i].ops) *p->add_ops() = op_of(k);
      sim_.write_step(participants_[i].segment, alive_, std::move(m),
                      [self, i, txn = txn_id_](std::optional<pb::WriteReply> r) {
                        if (txn != self->txn_id_) return;
                        self->prepared_[i].answered = true;
                        self->prepared_[i].reply = std::move(r);
                        ++self->answered_;
                        if (self->answered_ == self->req_.crash_k &&
                            self->crash_at(crash_point::some_prepares_answered))
                          return;
                        if (--self->pending_ == 0) self->on_prepared();
                      });
    }
    crash_at(crash_point::all_prepares_sent);
  }

  void on_prepared() {
    if (crash_at(crash_point::all_prepares_answered)) return;
    bool failure = false, lost = false, canceled = false;
    std::optional<pb::LockInfo> lock;
    for (size_t i = 0; i < prepared_.size(); ++i) {
      auto& r = prepared_[i].reply;
      if (!r) {
        failure = true;
        continue;
      }
      const auto& res = r->result();
      if (participants_[i].primary && res.deduplicated()) {
        // Committed before under this request_key: answer that.
        uint64_t v = res.commit_version();
        auto self = shared_from_this();
        return abort_then([self, v] { self->finish_committed(v, true); });
      }
      switch (code_of(r->status())) {
        case errc::locked: lock = res.lock(); break;
        case errc::conflict: lost = true; break;
        case errc::condition_failed: canceled = true; break;
        default:
          if (r->status().error_code() != 0) failure = true;
      }
    }
    if (!failure && !lock && !lost && !canceled) return commit();
    auto self = shared_from_this();
    abort_then([self, failure, lock, canceled] {
      if (failure) return self->finish_unknown();
      if (canceled) {
        self->sim_attempt().acked_canceled = true;
        ++self->sim_.res_.canceled;
        return self->end();
      }
      self->conflict(lock);
    });
  }

  attempt_info& sim_attempt() { return sim_.attempts_.at(txn_id_); }

  void commit() {
    uint64_t version = 0;
    for (const auto& p : prepared_) version = std::max(version, p.reply->result().commit_floor());
    pb::TxnDecide d;
    d.set_txn_id(txn_id_);
    d.set_primary_key(sim_.item_key(req_.ops[0].item));
    d.set_commit(true);
    d.set_commit_version(version);
    d.mutable_outcome()->set_commit_version(version);
    d.mutable_outcome()->set_txn_state(pb::TXN_COMMITTED);
    auto self = shared_from_this();
    sim_.decide_txn(alive_, std::move(d), [self, version](std::optional<pb::MutationResult> r) {
      if (!r) return self->finish_unknown();  // outcome unknown: 503
      if (r->txn_state() != pb::TXN_COMMITTED)
        return self->abort_then([self] { self->conflict(std::nullopt); });
      if (self->crash_at(crash_point::decide_answered)) return;
      // The background job: the others apply their part.
      size_t sent = 0;
      for (const auto& p : self->participants_) {
        if (p.primary) continue;
        if (sent == self->req_.crash_k && self->crash_at(crash_point::some_resolves_sent)) return;
        self->sim_.apply_outcome(self->alive_, self->txn_id_, self->sim_.item_key(self->req_.ops[p.ops.front()].item),
                                 true, version, [](bool) {});
        ++sent;
      }
      self->finish_committed(version, false);
      self->crash_at(crash_point::resolves_sent);
    });
    crash_at(crash_point::decide_sent);
  }

  void abort_then(std::function<void()> next) {
    auto left = std::make_shared<size_t>(participants_.size());
    auto step = [left, next = std::move(next)](bool) {
      if (--*left == 0) next();
    };
    size_t sent = 0;
    for (const auto& p : participants_) {
      if (sent == 1 && crash_at(crash_point::abort_sent)) return;
      if (p.primary) {
        pb::TxnDecide d;
        d.set_txn_id(txn_id_);
        d.set_primary_key(sim_.item_key(req_.ops[0].item));
        d.set_commit(false);
        sim_.decide_txn(alive_, std::move(d), [step](std::optional<pb::MutationResult> r) { step(r.has_value()); });
      } else {
        sim_.apply_outcome(alive_, txn_id_, sim_.item_key(req_.ops[p.ops.front()].item), false, 0, step);
      }
      ++sent;
    }
  }

  void conflict(std::optional<pb::LockInfo> lock) {
    if (++attempts_ > max_txn_attempts) {
      ++sim_.res_.conflicts;
      return end();
    }
    auto self = shared_from_this();
    auto again = [self] {
      // jittered_backoff(attempts)
      uint64_t cap = std::min<uint64_t>(200, uint64_t{4} << std::min<unsigned>(self->attempts_, 6));
      uint64_t wait = cap / 2 + self->sim_.pick(static_cast<unsigned>(cap - cap / 2 + 1));
      self->sim_.at(wait, [self] { self->plan(); });
    };
    if (lock && lock->age_ms() >= lock_ttl_ms) return sim_.resolve_lock(alive_, *lock, [again](bool) { again(); });
    again();
  }

  void finish_committed(uint64_t version, bool dedup) {
    if (!dedup) sim_attempt().acked_version = version;
    ++sim_.res_.acked_committed;
    // The background resolves keep running after the answer.
    if (!ended_) {
      ended_ = true;
      gone_();
    }
  }

  void finish_unknown() {
    ++sim_.res_.unknown;
    end();
  }

  simulation& sim_;
  request_spec req_;
  std::function<void()> gone_;
  std::shared_ptr<bool> alive_;
  std::vector<participant> participants_;
  std::vector<prepared> prepared_;
  size_t pending_ = 0, answered_ = 0;
  std::string txn_id_;
  unsigned attempts_ = 0;
  bool crashed_ = false, ended_ = false;
};


}  // namespace ropekv::segment::test::sim_detail
