#pragma once
// The model behind txn_sim.hpp, shared by its files: txn_sim.cpp (the
// simulation and the routers' steps), txn_sim_check.cpp (the checker). The
// coordinator (one simulated router running one request) is in
// txn_sim_coordinator.hpp.
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


namespace ropekv::segment::test::sim_detail {

// The router's defaults (services/router/router_shared.hpp, retry_policy.hpp,
// txn_coordinator.hpp).
constexpr uint64_t segment_timeout_ms = 1000;
constexpr uint64_t lock_ttl_ms = 1000;
constexpr uint64_t sweep_interval_ms = 1000;
constexpr unsigned max_segment_attempts = 40;
constexpr unsigned max_txn_attempts = 12;

inline uint64_t retry_backoff_ms(unsigned attempts) {  // retry_policy backoff()
  if (attempts == 0) return 0;
  uint64_t d = 4;
  for (unsigned i = 1; i < attempts && d < 150; ++i) d *= 2;
  return std::min<uint64_t>(d, 150);
}

inline errc code_of(const pb::Status& s) { return static_cast<errc>(s.error_code()); }

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


}  // namespace ropekv::segment::test::sim_detail
