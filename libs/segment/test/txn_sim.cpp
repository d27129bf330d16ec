#include "txn_sim_coordinator.hpp"
#include "txn_sim_model.hpp"

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


namespace sim_detail {

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

}  // namespace sim_detail


txn_sim_result run_txn_sim(const txn_sim_options& options) {
  sim_detail::simulation sim(options);
  return sim.run();
}

}  // namespace ropekv::segment::test
