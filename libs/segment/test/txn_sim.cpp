#include "txn_sim.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <sstream>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"
#include "sim_cluster.hpp"

namespace ropekv::segment::test {

const char* to_string(crash_point p) {
  switch (p) {
    case crash_point::none: return "none";
    case crash_point::before_prepare: return "before_prepare";
    case crash_point::some_prepares_sent: return "some_prepares_sent";
    case crash_point::all_prepares_sent: return "all_prepares_sent";
    case crash_point::some_prepares_answered: return "some_prepares_answered";
    case crash_point::all_prepares_answered: return "all_prepares_answered";
    case crash_point::decide_sent: return "decide_sent";
    case crash_point::decide_answered: return "decide_answered";
    case crash_point::some_resolves_sent: return "some_resolves_sent";
    case crash_point::resolves_sent: return "resolves_sent";
    case crash_point::abort_sent: return "abort_sent";
    case crash_point::count_: break;
  }
  return "?";
}

std::string txn_sim_result::summary() const {
  std::ostringstream s;
  s << "requests=" << requests << " attempts=" << attempts << " committed=" << committed
    << " aborted=" << aborted << " acked=" << acked_committed << " canceled=" << canceled
    << " conflicts=" << conflicts << " unknown=" << unknown << " coordinator_crashes=" << coordinator_crashes
    << " node_crashes=" << node_crashes << " partitions=" << partitions << " late_requests=" << late_requests
    << " resolved_locks=" << resolved_locks << " virtual_ms=" << virtual_ms << " quiesced=" << quiesced
    << " converged=" << converged << " crash_hits={";
  for (size_t i = 1; i < crash_points; ++i)
    s << (i > 1 ? " " : "") << to_string(static_cast<crash_point>(i)) << ":" << crash_hits[i];
  s << "} violations=" << violations.size();
  return s.str();
}

namespace {

// The router's defaults (services/router/router_shared.hpp, retry_policy.hpp,
// txn_coordinator.hpp).
constexpr uint64_t segment_timeout_ms = 1000;
constexpr uint64_t lock_ttl_ms = 1000;
constexpr uint64_t sweep_interval_ms = 1000;
constexpr unsigned max_segment_attempts = 40;
constexpr unsigned max_txn_attempts = 12;

uint64_t retry_backoff_ms(unsigned attempts) {  // retry_policy backoff()
  if (attempts == 0) return 0;
  uint64_t d = 4;
  for (unsigned i = 1; i < attempts && d < 150; ++i) d *= 2;
  return std::min<uint64_t>(d, 150);
}

errc code_of(const pb::Status& s) { return static_cast<errc>(s.error_code()); }

struct op_spec {
  unsigned item = 0;
  std::string value;
  pb::Condition cond = pb::COND_NONE;
};

struct request_spec {
  unsigned id = 0;
  std::vector<op_spec> ops;
  std::string request_key;
  crash_point crash = crash_point::none;
  unsigned crash_k = 1;  // "some": after this many (1..n-1)
};

// One attempt (txn id) of a request, for the checker.
struct attempt_info {
  unsigned request = 0;
  std::vector<op_spec> ops;
  std::string primary_key;
  unsigned primary_segment = 0;
  std::optional<uint64_t> acked_version;  // the client was answered committed at it
  bool acked_canceled = false;
};

struct participant {
  unsigned segment = 0;
  bool primary = false;
  std::vector<size_t> ops;  // indexes into the request's ops
};

class simulation;

// One typed request to a segment, retried like segment_call + retry_policy
// (every transaction step is an idempotent write; LocksRequest a read). It
// belongs to a router process: when that dies (`alive` false) no further
// attempt is made and nothing is reported, but requests already on the
// wire still arrive.
template <class Reply>
class seg_call : public std::enable_shared_from_this<seg_call<Reply>> {
 public:
  using issue_fn = std::function<void(segment_replica&, std::function<void(Reply)>)>;
  using done_fn = std::function<void(std::optional<Reply>)>;  // nullopt: gave up (503)

  seg_call(simulation& sim, unsigned segment, std::shared_ptr<bool> alive, issue_fn issue, done_fn done)
      : sim_(sim), seg_(segment), alive_(std::move(alive)), issue_(std::move(issue)), done_(std::move(done)) {}

  void start();

 private:
  enum class kind { final_reply, not_leader, unavailable, timeout, down };
  void attempt();
  void outcome(kind k, std::optional<Reply> rep, unsigned hint);
  unsigned next_replica() const;

  simulation& sim_;
  unsigned seg_;
  std::shared_ptr<bool> alive_;
  issue_fn issue_;
  done_fn done_;
  unsigned attempts_ = 0;
  unsigned current_ = 0;
  std::vector<unsigned> tried_;
  uint64_t gen_ = 0;
  bool done_called_ = false;
};

class simulation {
 public:
  explicit simulation(const txn_sim_options& o);
  txn_sim_result run();

  // ------------------------------------------------ used by seg_call
  sim_cluster& cluster() { return c_; }
  const std::vector<unsigned>& replicas_of(unsigned seg) const { return seg_nodes_[seg]; }
  uint64_t group_of(unsigned seg) const { return seg + 1; }
  unsigned preferred(unsigned seg) const { return preferred_[seg]; }
  void learned_leader(unsigned seg, unsigned node) { preferred_[seg] = node; }
  void at(uint64_t delay_ms, std::function<void()> fn) {
    events_.push(event{c_.now_ms() + delay_ms, ++event_seq_, std::move(fn)});
  }
  uint64_t request_delay(bool* late);
  std::optional<uint64_t> reply_delay();
  unsigned pick(unsigned n) { return static_cast<unsigned>(rng_() % n); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

 private:
  friend class coordinator;
  struct event {
    uint64_t due;
    uint64_t seq;
    std::function<void()> fn;
  };
  struct later {
    bool operator()(const event& a, const event& b) const {
      return a.due != b.due ? a.due > b.due : a.seq > b.seq;
    }
  };

  static sim_options cluster_options(const txn_sim_options& o) {
    sim_options so;
    so.nodes = o.nodes;
    so.seed = o.seed;
    so.faults = o.message_faults ? consensus::network_faults{0.03, 1, 10} : consensus::network_faults{0.0, 1, 1};
    so.snapshot_threshold = 128;  // restarted replicas also catch up from snapshots
    so.snapshot_trailing = 32;
    return so;
  }

 public:
  // ------------------------------------------------ the router's steps
  // Writes one transaction step through the log of `seg` (write_step).
  void write_step(unsigned seg, std::shared_ptr<bool> alive, pb::Mutation m,
                  std::function<void(std::optional<pb::WriteReply>)> done);
  // decide_txn: nullopt when the primary did not answer ok.
  void decide_txn(std::shared_ptr<bool> alive, pb::TxnDecide d,
                  std::function<void(std::optional<pb::MutationResult>)> done);
  // apply_outcome
  void apply_outcome(std::shared_ptr<bool> alive, const std::string& txn, const std::string& key, bool commit,
                     uint64_t version, std::function<void(bool)> done);
  // resolve_lock (or the configured broken mode)
  void resolve_lock(std::shared_ptr<bool> alive, const pb::LockInfo& lock, std::function<void(bool)> done);

  unsigned segment_of_key(const std::string& key) const { return key_segment_.at(key); }
  const std::string& item_key(unsigned item) const { return item_keys_[item]; }
  const std::string& item_hk(unsigned item) const { return item_hks_[item]; }
  unsigned item_segment(unsigned item) const { return item_segment_[item]; }

  txn_sim_options o_;
  std::mt19937_64 rng_;
  sim_cluster c_;
  txn_sim_result res_;
  std::map<std::string, attempt_info> attempts_;  // by txn id
  std::vector<request_spec> requests_;

 private:
  void setup_segments();
  void faults();
  void sweep();
  void start_request(unsigned slot);
  request_spec make_request(unsigned id);
  void run_events();
  bool locks_everywhere_empty();
  void check();
  pb::MutationResult query_state(const std::string& txn, const attempt_info& a);
  std::optional<unsigned> leader_of(unsigned seg) { return c_.leader(group_of(seg)); }

  std::priority_queue<event, std::vector<event>, later> events_;
  uint64_t event_seq_ = 0;
  std::vector<std::vector<unsigned>> seg_nodes_;
  std::vector<unsigned> preferred_;
  std::vector<std::string> item_hks_, item_keys_;
  std::vector<unsigned> item_segment_;
  std::map<std::string, unsigned> key_segment_;
  std::vector<std::vector<unsigned>> seg_items_;
  std::vector<bool> slot_busy_;
  unsigned next_request_ = 0;
  std::optional<unsigned> down_, isolated_;
  uint64_t restart_at_ = 0, heal_at_ = 0, next_sweep_ = 0;
  bool stop_faults_ = false;
  bool sweeping_ = true;
  std::string trace_ = std::getenv("ROPEKV_TXN_SIM_TRACE") != nullptr ? std::getenv("ROPEKV_TXN_SIM_TRACE") : "";
};

// ---------------------------------------------------------------- seg_call

template <class Reply>
void seg_call<Reply>::start() {
  current_ = sim_.preferred(seg_);
  attempt();
}

template <class Reply>
unsigned seg_call<Reply>::next_replica() const {  // retry_policy next_replica()
  const auto& reps = sim_.replicas_of(seg_);
  for (unsigned n : reps)
    if (std::find(tried_.begin(), tried_.end(), n) == tried_.end() && n != current_) return n;
  auto it = std::find(reps.begin(), reps.end(), current_);
  if (it == reps.end()) return reps.front();
  return ++it == reps.end() ? reps.front() : *it;
}

template <class Reply>
void seg_call<Reply>::attempt() {
  if (!*alive_) return;
  ++attempts_;
  uint64_t g = ++gen_;
  auto self = this->shared_from_this();
  unsigned node = current_;
  if (!sim_.cluster().up(node)) {  // connection refused
    sim_.at(1, [self, g] {
      if (g == self->gen_) self->outcome(kind::down, std::nullopt, 0);
    });
    return;
  }
  bool late = false;
  uint64_t d = sim_.request_delay(&late);
  // On the wire: delivered even if the sending router dies meanwhile.
  sim_.at(d, [self, g, node, late] {
    auto* r = self->sim_.cluster().replica(node, self->sim_.group_of(self->seg_));
    if (r == nullptr) return;  // the node went down: lost
    if (late) ++self->sim_.res_.late_requests;
    self->issue_(*r, [self, g](Reply rep) {
      auto back = self->sim_.reply_delay();
      if (!back) return;  // reply lost
      self->sim_.at(*back, [self, g, rep = std::move(rep)]() mutable {
        if (g != self->gen_) return;
        unsigned hint = static_cast<unsigned>(rep.status().leader_hint());
        switch (code_of(rep.status())) {
          case errc::not_leader: return self->outcome(kind::not_leader, std::nullopt, hint);
          case errc::unavailable:
          case errc::timeout: return self->outcome(kind::unavailable, std::nullopt, 0);
          default: return self->outcome(kind::final_reply, std::move(rep), 0);
        }
      });
    });
  });
  sim_.at(segment_timeout_ms, [self, g] {
    if (g == self->gen_) self->outcome(kind::timeout, std::nullopt, 0);
  });
}

template <class Reply>
void seg_call<Reply>::outcome(kind k, std::optional<Reply> rep, unsigned hint) {
  ++gen_;  // later answers to this attempt are stale
  if (!*alive_ || done_called_) return;
  if (k == kind::final_reply) {
    sim_.learned_leader(seg_, current_);
    done_called_ = true;
    return done_(std::move(rep));
  }
  if (attempts_ >= max_segment_attempts) {
    done_called_ = true;
    return done_(std::nullopt);
  }
  tried_.push_back(current_);
  auto self = this->shared_from_this();
  if (k == kind::not_leader && hint != 0 && hint - 1 != current_) {
    current_ = hint - 1;
    sim_.learned_leader(seg_, current_);
    return attempt();
  }
  current_ = next_replica();
  sim_.at(retry_backoff_ms(attempts_), [self] { self->attempt(); });
}

// ---------------------------------------------------------------- the router

void simulation::write_step(unsigned seg, std::shared_ptr<bool> alive, pb::Mutation m,
                            std::function<void(std::optional<pb::WriteReply>)> done) {
  pb::WriteRequest req;
  *req.mutable_mutation() = std::move(m);
  std::string what;  // ROPEKV_TXN_SIM_TRACE=<txn id>: every step of it, as it reaches a replica
  const auto& mu = req.mutation();
  if (!trace_.empty()) {
    if (mu.has_txn_prepare() && mu.txn_prepare().txn_id() == trace_) what = "prepare";
    if (mu.has_txn_decide() && mu.txn_decide().txn_id() == trace_)
      what = mu.txn_decide().commit() ? "decide(commit)" : "decide(abort)";
    if (mu.has_txn_resolve() && mu.txn_resolve().txn_id() == trace_)
      what = mu.txn_resolve().commit() ? "resolve(commit)" : "resolve(abort)";
  }
  std::make_shared<seg_call<pb::WriteReply>>(
      *this, seg, std::move(alive),
      [this, req, what, seg](segment_replica& r, std::function<void(pb::WriteReply)> cb) {
        if (what.empty()) return r.write(req, std::move(cb));
        uint64_t sent = c_.now_ms();
        std::cerr << "[trace " << trace_ << "] t=" << sent << "ms " << what << " reaches segment " << seg
                  << " node " << r.self().value - 1 << "\n";
        r.write(req, [this, what, seg, sent, cb = std::move(cb)](pb::WriteReply rep) {
          std::cerr << "[trace " << trace_ << "] t=" << c_.now_ms() << "ms " << what << " (arrived t=" << sent
                    << ") at segment " << seg << " answered " << rep.status().error_code() << " "
                    << rep.status().message() << " floor=" << rep.result().commit_floor()
                    << " state=" << rep.result().txn_state() << " ops=" << rep.result().ops_size() << "\n";
          cb(std::move(rep));
        });
      },
      std::move(done))
      ->start();
}

void simulation::decide_txn(std::shared_ptr<bool> alive, pb::TxnDecide d,
                            std::function<void(std::optional<pb::MutationResult>)> done) {
  unsigned seg = segment_of_key(d.primary_key());
  pb::Mutation m;
  *m.mutable_txn_decide() = std::move(d);
  write_step(seg, std::move(alive), std::move(m), [done = std::move(done)](std::optional<pb::WriteReply> r) {
    if (!r || r->status().error_code() != 0) return done(std::nullopt);
    done(std::move(*r->mutable_result()));
  });
}

void simulation::apply_outcome(std::shared_ptr<bool> alive, const std::string& txn, const std::string& key,
                               bool commit, uint64_t version, std::function<void(bool)> done) {
  pb::Mutation m;
  auto* r = m.mutable_txn_resolve();
  r->set_txn_id(txn);
  r->set_commit(commit);
  r->set_commit_version(version);
  write_step(segment_of_key(key), std::move(alive), std::move(m),
             [done = std::move(done)](std::optional<pb::WriteReply> r) {
               done(r && r->status().error_code() == 0);
             });
}

void simulation::resolve_lock(std::shared_ptr<bool> alive, const pb::LockInfo& lock, std::function<void(bool)> done) {
  ++res_.resolved_locks;
  if (o_.resolver == resolver_mode::abort_without_primary) {
    // BROKEN on purpose: never asks the primary.
    return apply_outcome(std::move(alive), lock.txn_id(), lock.key(), false, 0, std::move(done));
  }
  pb::TxnDecide d;
  d.set_txn_id(lock.txn_id());
  d.set_primary_key(lock.primary_key());
  d.set_commit(false);
  std::string key = lock.key(), txn = lock.txn_id();
  decide_txn(alive, std::move(d),
             [this, alive, key, txn, done = std::move(done)](std::optional<pb::MutationResult> r) {
               if (!r) return done(false);
               bool commit = r->txn_state() == pb::TXN_COMMITTED;
               apply_outcome(alive, txn, key, commit, r->commit_version(), done);
             });
}

// One router running one client request (txn_coordinator), two-phase.
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

// ---------------------------------------------------------------- simulation

simulation::simulation(const txn_sim_options& o)
    : o_(o), rng_(o.seed * 0x9E3779B97F4A7C15ull + 12), c_(cluster_options(o)) {
  setup_segments();
}

void simulation::setup_segments() {
  const unsigned S = o_.segments;
  seg_nodes_.resize(S);
  seg_items_.resize(S);
  // Disjoint key ranges by partition: segment s holds partitions
  // [s * 65536 / S, (s + 1) * 65536 / S) of the table.
  std::vector<uint32_t> bound(S + 1);
  for (unsigned s = 0; s <= S; ++s) bound[s] = static_cast<uint32_t>(uint64_t{s} * keys::partitions_per_table / S);
  for (unsigned s = 0; s < S; ++s) {
    std::string start = s == 0 ? "" : keys::partition_prefix(table, static_cast<uint16_t>(bound[s]));
    std::string end = s + 1 == S ? "" : keys::partition_prefix(table, static_cast<uint16_t>(bound[s + 1]));
    for (unsigned k = 0; k < 3; ++k) seg_nodes_[s].push_back((s + k) % o_.nodes);
    c_.create_group(store::segment_meta{group_of(s), start, end, 1}, seg_nodes_[s]);
    preferred_.push_back(seg_nodes_[s][0]);
  }
  // Items: hash keys spread over every segment.
  for (unsigned k = 0; seg_items_.size() == S; ++k) {
    bool full = true;
    for (auto& v : seg_items_) full = full && v.size() >= o_.items_per_segment;
    if (full) break;
    std::string hk = "item" + std::to_string(k);
    uint32_t p = keys::partition_of(hk);
    unsigned s = 0;
    while (s + 1 < S && p >= bound[s + 1]) ++s;
    if (seg_items_[s].size() >= o_.items_per_segment) continue;
    unsigned idx = static_cast<unsigned>(item_hks_.size());
    item_hks_.push_back(hk);
    item_keys_.push_back(key_of(hk));
    item_segment_.push_back(s);
    key_segment_[key_of(hk)] = s;
    seg_items_[s].push_back(idx);
  }
  for (unsigned s = 0; s < S; ++s) c_.wait_leader(group_of(s));
}

uint64_t simulation::request_delay(bool* late) {
  *late = false;
  if (!o_.message_faults || stop_faults_) return 0;
  unsigned r = pick(1000);
  if (r < 850) return pick(3);
  if (o_.late_requests && r >= 980) {  // stuck in the network past the router's timeout
    *late = true;
    return segment_timeout_ms + 1 + pick(1500);
  }
  return 3 + pick(60);
}

std::optional<uint64_t> simulation::reply_delay() {
  if (!o_.message_faults || stop_faults_) return 1;
  unsigned r = pick(1000);
  if (r < 20) return std::nullopt;  // lost
  if (r < 870) return 1 + pick(3);
  return 4 + pick(80);
}

request_spec simulation::make_request(unsigned id) {
  request_spec req;
  req.id = id;
  req.request_key = "rk-" + std::to_string(id);
  const unsigned S = o_.segments;
  unsigned m = 2 + pick(S - 1);  // 2..S segments
  std::vector<unsigned> segs(S);
  for (unsigned s = 0; s < S; ++s) segs[s] = s;
  std::shuffle(segs.begin(), segs.end(), rng_);
  segs.resize(m);
  std::set<unsigned> used;
  auto add = [&](unsigned seg) {
    const auto& pool = seg_items_[seg];
    unsigned item = pool[pick(static_cast<unsigned>(pool.size()))];
    if (!used.insert(item).second) return;
    op_spec op;
    op.item = item;
    op.value = "v" + std::to_string(id) + "." + std::to_string(req.ops.size());
    unsigned c = pick(100);
    op.cond = c < 7 ? pb::COND_IF_ABSENT : c < 14 ? pb::COND_IF_EXISTS : pb::COND_NONE;
    req.ops.push_back(op);
  };
  for (unsigned s : segs) add(s);
  if (chance(0.3)) add(segs[pick(m)]);        // two items in one segment
  if (chance(0.3)) std::shuffle(req.ops.begin(), req.ops.end(), rng_);  // primary not first-chosen
  for (size_t i = 0; i < req.ops.size(); ++i) req.ops[i].value = "v" + std::to_string(id) + "." + std::to_string(i);
  // Systematic crash points: every step is hit about equally often.
  req.crash = static_cast<crash_point>(id % crash_points);
  unsigned n = 0;
  std::set<unsigned> ps;
  for (const auto& op : req.ops) ps.insert(item_segment(op.item));
  n = static_cast<unsigned>(ps.size());
  switch (req.crash) {
    case crash_point::some_prepares_sent:
    case crash_point::some_prepares_answered: req.crash_k = 1 + pick(n - 1); break;
    case crash_point::some_resolves_sent: req.crash_k = n > 2 ? 1 + pick(n - 2) : 0; break;
    default: req.crash_k = 1;
  }
  if (req.crash == crash_point::some_resolves_sent && req.crash_k == 0) req.crash_k = 0;  // before the only one
  return req;
}

void simulation::start_request(unsigned slot) {
  slot_busy_[slot] = true;
  unsigned id = next_request_++;
  requests_.push_back(make_request(id));
  ++res_.requests;
  auto co = std::make_shared<coordinator>(*this, requests_.back(), [this, slot] {
    // The client (or a new router) starts the next request a little later.
    at(1 + pick(20), [this, slot] { slot_busy_[slot] = false; });
  });
  co->start();
}

void simulation::run_events() {
  while (!events_.empty() && events_.top().due <= c_.now_ms()) {
    auto fn = std::move(const_cast<event&>(events_.top()).fn);
    events_.pop();
    fn();
  }
}

// One node crash and one partition at a time, each healed after a while.
void simulation::faults() {
  uint64_t now = c_.now_ms();
  if (down_ && now >= restart_at_) {
    c_.restart(*down_);
    down_.reset();
  }
  if (isolated_ && now >= heal_at_) {
    c_.net().heal_all();
    isolated_.reset();
  }
  if (!o_.node_faults || stop_faults_) return;
  if (!down_ && chance(1.0 / 1200)) {
    unsigned victim = pick(c_.size());
    if (chance(0.6)) {  // usually some segment's leader
      if (auto l = leader_of(pick(o_.segments))) victim = *l;
    }
    if (victim != isolated_.value_or(~0u)) {
      c_.crash(victim);
      down_ = victim;
      restart_at_ = now + 100 + pick(700);
      ++res_.node_crashes;
    }
  }
  if (!isolated_ && chance(1.0 / 1500)) {
    unsigned victim = pick(c_.size());
    if (chance(0.6)) {
      if (auto l = leader_of(pick(o_.segments))) victim = *l;
    }
    if (victim != down_.value_or(~0u)) {
      c_.net().isolate(c_.id(victim));
      isolated_ = victim;
      heal_at_ = now + 200 + pick(900);
      ++res_.partitions;
    }
  }
}

// The lock sweep of some router: LocksRequest to every segment's leader for
// locks older than the TTL, each resolved. That router may die mid-sweep.
void simulation::sweep() {
  auto alive = std::make_shared<bool>(true);
  if (o_.node_faults && !stop_faults_ && chance(0.15)) {
    at(pick(400), [alive] { *alive = false; });
  }
  for (unsigned s = 0; s < o_.segments; ++s) {
    pb::LocksRequest req;
    req.set_min_age_ms(lock_ttl_ms);
    req.set_limit(100);
    std::make_shared<seg_call<pb::LocksReply>>(
        *this, s, alive,
        [req](segment_replica& r, std::function<void(pb::LocksReply)> cb) { r.locks(req, std::move(cb)); },
        [this, alive](std::optional<pb::LocksReply> r) {
          if (!r || r->status().error_code() != 0) return;
          for (const auto& lock : r->locks()) {
            if (lock.txn_id() == trace_)
              std::cerr << "[trace " << trace_ << "] t=" << c_.now_ms() << "ms the sweep finds its lock on "
                        << lock.key().size() << "-byte key, age " << lock.age_ms() << " ms\n";
            resolve_lock(alive, lock, [](bool) {});
          }
        })
        ->start();
  }
}

bool simulation::locks_everywhere_empty() {
  for (unsigned s = 0; s < o_.segments; ++s) {
    auto l = leader_of(s);
    if (!l) return false;
    pb::LocksRequest req;
    req.set_limit(100);
    auto rep = c_.locks(*l, group_of(s), req, 2000);
    if (rep.status().error_code() != 0 || rep.locks_size() != 0) return false;
  }
  return true;
}

txn_sim_result simulation::run() {
  slot_busy_.assign(o_.coordinators, false);
  next_sweep_ = c_.now_ms() + sweep_interval_ms;
  const uint64_t limit_ms = 600'000;
  auto tick = [&] {
    run_events();
    if (sweeping_ && c_.now_ms() >= next_sweep_) {
      sweep();
      next_sweep_ = c_.now_ms() + sweep_interval_ms;
    }
    c_.step();
  };
  while (c_.now_ms() < limit_ms) {
    faults();
    bool busy = false;
    for (unsigned slot = 0; slot < o_.coordinators; ++slot) {
      if (!slot_busy_[slot] && next_request_ < o_.transactions) start_request(slot);
      busy = busy || slot_busy_[slot];
    }
    if (!busy && next_request_ >= o_.transactions) break;
    tick();
  }
  // Heal everything, let what is on the wire arrive and the sweep finish
  // every transaction left behind.
  stop_faults_ = true;
  c_.net().heal_all();
  isolated_.reset();
  if (down_) {
    c_.restart(*down_);
    down_.reset();
  }
  c_.net().set_faults({0.0, 1, 1});
  const uint64_t heal_ms = c_.now_ms();
  // Requests still on the wire arrive within 2.5 s; then the sweep ends
  // every transaction left behind (locks of any age are checked).
  uint64_t until = c_.now_ms() + 60'000;
  while (c_.now_ms() < until) {
    for (unsigned k = 0; k < 500; ++k) tick();
    if (c_.now_ms() >= heal_ms + 3000 && locks_everywhere_empty()) {
      res_.quiesced = true;
      break;
    }
  }
  // No more sweeps: let what is in flight land (a sweep's last resolves).
  sweeping_ = false;
  for (uint64_t drain = c_.now_ms() + 10'000; !events_.empty() && c_.now_ms() < drain;) tick();
  res_.quiesced = res_.quiesced && events_.empty() && locks_everywhere_empty();
  res_.converged = true;
  for (unsigned s = 0; s < o_.segments; ++s) {
    bool ok = c_.settle(group_of(s), 10'000) && c_.converged(group_of(s));
    if (!ok) res_.violations.push_back("segment " + std::to_string(s) + ": replicas did not converge");
    res_.converged = res_.converged && ok;
  }
  if (!res_.quiesced) res_.violations.push_back("locks remain after healing and 60 s of sweeps");
  check();
  res_.virtual_ms = c_.now_ms();
  return res_;
}

// The decided outcome at the primary, by what a resolver does: an abort
// that leaves a decided record as it is (every transaction is decided by
// now: no locks remain, and a pending record always has the primary's).
pb::MutationResult simulation::query_state(const std::string& txn, const attempt_info& a) {
  pb::WriteRequest req;
  auto* d = req.mutable_mutation()->mutable_txn_decide();
  d->set_txn_id(txn);
  d->set_primary_key(a.primary_key);
  d->set_commit(false);
  for (int tries = 0; tries < 20; ++tries) {
    auto l = leader_of(a.primary_segment);
    if (!l) {
      c_.step(50);
      continue;
    }
    auto rep = c_.write(*l, group_of(a.primary_segment), req);
    if (rep.status().error_code() == 0) return rep.result();
    c_.step(50);
  }
  pb::MutationResult none;
  none.set_txn_state(pb::TXN_UNKNOWN);
  return none;
}

void simulation::check() {
  auto& v = res_.violations;
  // Every segment's whole change feed, from its leader.
  struct ev {
    uint64_t position;
    uint64_t version;
    std::string value;
    std::string txn;
    pb::ChangeKind kind;
  };
  std::map<std::string, std::vector<ev>> by_hk;  // hash key -> events in feed order
  std::map<std::string, std::vector<std::pair<std::string, ev>>> by_txn;  // txn -> (hk, event)
  for (unsigned s = 0; s < o_.segments; ++s) {
    auto l = leader_of(s);
    if (!l) {
      v.push_back("segment " + std::to_string(s) + ": no leader for the check");
      continue;
    }
    uint64_t after = 0;
    for (;;) {
      pb::ChangesRequest req;
      req.set_after_position(after);
      req.set_limit(1000);
      req.set_consistency(pb::STRONG);
      auto rep = c_.changes(*l, group_of(s), req);
      if (rep.status().error_code() != 0) {
        v.push_back("segment " + std::to_string(s) + ": changes failed: " + rep.status().message());
        break;
      }
      if (rep.events_size() == 0) break;
      for (const auto& e : rep.events()) {
        after = std::max(after, e.position());
        ev x{e.position(), e.version(), e.item().value(), e.txn_id(), e.kind()};
        by_hk[e.item().hash_key()].push_back(x);
        by_txn[e.txn_id()].emplace_back(e.item().hash_key(), x);
      }
    }
  }
  for (const auto& [txn, evs] : by_txn) {
    if (!attempts_.count(txn)) v.push_back("feed event of an unknown transaction '" + txn + "' on " + evs.front().first);
  }
  std::map<unsigned, unsigned> committed_per_request;
  std::map<std::string, uint64_t> commit_version;
  for (const auto& [txn, a] : attempts_) {
    auto st = query_state(txn, a);
    auto it = by_txn.find(txn);
    size_t events = it == by_txn.end() ? 0 : it->second.size();
    std::string who = "txn " + txn + " (primary segment " + std::to_string(a.primary_segment) + ")";
    if (st.txn_state() == pb::TXN_UNKNOWN) {
      v.push_back(who + ": its primary did not answer the check");
      continue;
    }
    bool committed = st.txn_state() == pb::TXN_COMMITTED;
    if (!committed && st.txn_state() != pb::TXN_ABORTED) {
      v.push_back(who + ": still pending after quiescence");
      continue;
    }
    if (a.acked_version && (!committed || st.commit_version() != *a.acked_version))
      v.push_back(who + ": client was answered committed at " + std::to_string(*a.acked_version) +
                  " but the primary says " + (committed ? "committed at " + std::to_string(st.commit_version()) : "aborted"));
    if (a.acked_canceled && committed) v.push_back(who + ": client was answered canceled but it committed");
    if (!committed) {
      ++res_.aborted;
      if (events != 0) {
        std::string where;
        for (const auto& [hk, e] : it->second) where += " " + hk + "@" + std::to_string(e.version);
        v.push_back(who + ": PARTIAL — aborted at its primary, yet " + std::to_string(events) + " of its " +
                    std::to_string(a.ops.size()) + " writes applied:" + where);
      }
      continue;
    }
    ++res_.committed;
    ++committed_per_request[a.request];
    uint64_t V = st.commit_version();
    commit_version[txn] = V;
    // Each write exactly once, at V + its offset within its partition.
    std::map<uint16_t, unsigned> in_partition;
    std::string missing, wrong;
    for (size_t i = 0; i < a.ops.size(); ++i) {
      const auto& op = a.ops[i];
      const std::string& hk = item_hk(op.item);
      uint64_t expect = V + in_partition[keys::partition_of(hk)]++;
      std::vector<ev> mine;
      if (it != by_txn.end())
        for (const auto& [h, e] : it->second)
          if (h == hk) mine.push_back(e);
      if (mine.empty()) {
        missing += " " + hk + "(segment " + std::to_string(item_segment(op.item)) + ")";
        continue;
      }
      if (mine.size() > 1) {
        std::string vs;
        for (const auto& e : mine) vs += " " + std::to_string(e.version) + "@pos" + std::to_string(e.position);
        wrong += " " + hk + ": applied " + std::to_string(mine.size()) + " times (versions" + vs + ")";
      }
      if (mine.front().version != expect || mine.front().value != op.value)
        wrong += " " + hk + ": version " + std::to_string(mine.front().version) + " value " + mine.front().value +
                 " (expected " + std::to_string(expect) + " " + op.value + ")";
      // Its conditions held at the commit point.
      bool existed = false;
      for (const auto& e : by_hk[hk])
        if (e.version < expect && e.kind != pb::CHANGE_DELETE) existed = true;
      if (op.cond == pb::COND_IF_ABSENT && existed) wrong += " " + hk + ": committed if=absent over an existing item";
      if (op.cond == pb::COND_IF_EXISTS && !existed) wrong += " " + hk + ": committed if=exists over no item";
    }
    if (!missing.empty())
      v.push_back(who + ": PARTIAL — committed at " + std::to_string(V) + " but its writes are missing on" + missing);
    if (!wrong.empty()) v.push_back(who + ": committed at " + std::to_string(V) + " but" + wrong);
  }
  for (const auto& [req, n] : committed_per_request)
    if (n > 1) v.push_back("request " + std::to_string(req) + " committed " + std::to_string(n) + " times");
  // Per item: versions increase along the feed, and the current item is the
  // last event's (so no later write lost a committed transaction's value).
  for (unsigned item = 0; item < item_hks_.size(); ++item) {
    const std::string& hk = item_hks_[item];
    auto& evs = by_hk[hk];
    for (size_t k = 1; k < evs.size(); ++k)
      if (evs[k].version <= evs[k - 1].version)
        v.push_back(hk + ": feed versions not increasing: " + std::to_string(evs[k - 1].version) + " then " +
                    std::to_string(evs[k].version));
    unsigned s = item_segment(item);
    auto l = leader_of(s);
    if (!l) continue;
    auto g = c_.get(*l, group_of(s), get_req(hk));
    if (evs.empty()) {
      if (code_of(g.status()) != errc::not_found)
        v.push_back(hk + ": no feed events but the get answered " + std::to_string(g.status().error_code()));
      continue;
    }
    if (g.status().error_code() != 0) {
      v.push_back(hk + ": get failed with " + std::to_string(g.status().error_code()) + " " + g.status().message());
      continue;
    }
    if (g.item().value() != evs.back().value || g.item().version() != evs.back().version)
      v.push_back(hk + ": current " + g.item().value() + "@" + std::to_string(g.item().version()) +
                  " is not the feed's last " + evs.back().value + "@" + std::to_string(evs.back().version));
  }
}

}  // namespace

txn_sim_result run_txn_sim(const txn_sim_options& options) {
  simulation sim(options);
  return sim.run();
}

}  // namespace ropekv::segment::test
