#include "ropekv/consensus/replica.hpp"

#include <cstring>

#include "replica_ops.hpp"
#include "ropekv/consensus/raft_status.hpp"

namespace ropekv::consensus {

namespace {

error unavailable(std::string_view why) { return make_error(errc::unavailable, std::string(why)); }

}  // namespace

replica::replica(const replica_options& options, state_machine& machine)
    : options_(options), fsm_(machine) {}

result<std::unique_ptr<replica>> replica::open(const replica_options& options,
                                               std::unique_ptr<sqlite_log> log, transport& net,
                                               state_machine& machine, uint64_t now_ms) {
  if (options.id.value == 0) return make_error(errc::invalid_argument, "replica id must be non-zero");
  if (options.heartbeat_timeout_ms == 0 || options.heartbeat_timeout_ms >= options.election_timeout_ms) {
    return make_error(errc::invalid_argument, "heartbeat timeout must be below the election timeout");
  }
  if (options.install_snapshot_timeout_ms == 0) {
    return make_error(errc::invalid_argument, "install snapshot timeout must be positive");
  }
  std::unique_ptr<replica> r(new replica(options, machine));
  r->io_ = std::make_unique<sqlite_raft_io>(std::move(log), net, options.io);
  r->io_->set_time(now_ms);
  int rv = raft_init(&r->raft_, r->io_->get(), r->fsm_.get(), options.id.value, options.address.c_str());
  if (rv != 0) return raft_error(rv, "raft_init");
  r->initialized_ = true;
  r->raft_.data = r.get();  // user data: c-raft never touches it
  r->fsm_.attach(&r->raft_);
  r->fsm_.set_apply_hook([p = r.get()](uint64_t index, std::string& res) { p->on_applied(index, res); });
  raft_set_election_timeout(&r->raft_, options.election_timeout_ms);
  raft_set_heartbeat_timeout(&r->raft_, options.heartbeat_timeout_ms);
  raft_set_snapshot_threshold(&r->raft_, options.snapshot_threshold);
  raft_set_snapshot_trailing(&r->raft_, options.snapshot_trailing);
  raft_set_install_snapshot_timeout(&r->raft_, options.install_snapshot_timeout_ms);
  raft_set_pre_vote(&r->raft_, options.pre_vote);
  return r;
}

replica::~replica() {
  if (initialized_ && !closed_) close();
}

status replica::bootstrap(const std::vector<member>& members) {
  if (started_) return make_error(errc::invalid_argument, "bootstrap after start");
  raft_configuration conf;
  raft_configuration_init(&conf);
  for (const auto& m : members) {
    int role = m.role == member_role::voter ? RAFT_VOTER
               : m.role == member_role::standby ? RAFT_STANDBY
                                                : RAFT_SPARE;
    if (int rv = raft_configuration_add(&conf, m.id.value, m.address.c_str(), role); rv != 0) {
      raft_configuration_close(&conf);
      return raft_error(rv, "bootstrap configuration");
    }
  }
  int rv = raft_bootstrap(&raft_, &conf);
  raft_configuration_close(&conf);
  return raft_status(rv, "raft_bootstrap");
}

status replica::start() {
  if (started_ || closed_) return make_error(errc::invalid_argument, "replica already started");
  int rv = raft_start(&raft_);
  if (rv != 0) return make_error(raft_error(rv, "raft_start").code, raft_errmsg(&raft_));
  started_ = true;
  return {};
}

// -------------------------------------------------------------- roles

bool replica::is_leader() const {
  return started_ && !closed_ && raft_.state == RAFT_LEADER;
}

bool replica::accepting() const {
  // c-raft refuses new entries while a leadership transfer is under way.
  return is_leader() && raft_.transfer == nullptr;
}

std::optional<member> replica::leader() const {
  if (!started_ || closed_) return std::nullopt;
  raft_id id = 0;
  const char* address = nullptr;
  raft_leader(const_cast<struct raft*>(&raft_), &id, &address);
  if (id == 0) return std::nullopt;
  return member{node_id{id}, address != nullptr ? address : "", member_role::voter};
}

error replica::not_leader_error() const {
  auto l = leader();
  std::string msg = "not leader";
  if (l && l->id != options_.id) {
    msg += "; leader is " + std::to_string(l->id.value) + " at " + l->address;
  } else {
    msg += "; leader unknown";
  }
  return make_error(errc::not_leader, std::move(msg));
}

std::vector<member> replica::configuration() const {
  std::vector<member> out;
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    const raft_server& s = raft_.configuration.servers[i];
    member_role role = s.role == RAFT_VOTER     ? member_role::voter
                       : s.role == RAFT_STANDBY ? member_role::standby
                                                : member_role::spare;
    out.push_back(member{node_id{s.id}, s.address != nullptr ? s.address : "", role});
  }
  return out;
}

// ---------------------------------------------------------- proposals

status replica::propose(std::string command, propose_callback cb) {
  if (!accepting()) return not_leader_error();
  queued_.push_back(queued_proposal{std::move(command), std::move(cb),
                                    options_.io.observe ? std::chrono::steady_clock::now() : time_point{}});
  return {};
}

bool replica::paced() const {
  // A batch from an earlier term may never commit: it no longer holds us.
  return inflight_term_ == raft_.current_term && raft_.commit_index < inflight_until_;
}

void replica::note_inflight(uint64_t last_index) {
  inflight_until_ = std::max(inflight_until_, last_index);
  inflight_term_ = raft_.current_term;
}

void replica::maybe_assert_leadership() {
  if (!accepting() || asserted_term_ == raft_.current_term) return;
  asserted_term_ = raft_.current_term;
  auto* op = track(std::make_unique<barrier_op>());
  if (raft_barrier(&raft_, &op->req, &replica::on_barrier) != 0) {
    forget(op);
    return;
  }
  term_barrier_index_ = op->req.index;
  ++counters_.barriers;
  note_inflight(op->req.index);
}

void replica::observe(replica_stage stage, time_point since) const {
  if (options_.io.observe)
    options_.io.observe(stage, std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
}

bool replica::lease_valid(uint64_t now_ms) const {
  const leader_lease& lease = io_->lease();
  const uint64_t term = raft_.current_term;
  if (closed_ || !started_ || raft_.state != RAFT_LEADER) return false;
  if (raft_.transfer != nullptr || raft_.configuration_uncommitted_index != 0) return false;
  if (asserted_term_ != term || raft_.last_applied < term_barrier_index_) return false;
  unsigned voters = 0;
  unsigned holding = 0;  // voters that cannot elect anyone else before now_ms
  bool self_votes = false;
  for (unsigned i = 0; i < raft_.configuration.n; ++i) {
    const raft_server& server = raft_.configuration.servers[i];
    if (server.role != RAFT_VOTER) continue;
    ++voters;
    if (server.id == options_.id.value) self_votes = true;
    if (server.id == options_.id.value || lease.peer_expiry(server.id, term) > now_ms) ++holding;
  }
  // The only voter: nobody else can be elected while the configuration
  // stays committed as it is (checked above), so its lease never lapses. It
  // also never sends to a peer, which is what starts the lease's term.
  if (voters == 1 && self_votes) return lease.enabled();
  if (!lease.usable(term)) return false;
  return holding * 2 > voters;
}

bool replica::submit_proposals() {
  if (queued_.empty() || (accepting() && paced())) return false;
  auto queued = std::move(queued_);
  queued_.clear();
  if (!accepting()) {
    auto err = not_leader_error();
    for (auto& q : queued) complete([cb = std::move(q.cb), err] { cb(err); });
    return true;
  }
  std::vector<raft_buffer> bufs;
  for (size_t begin = 0; begin < queued.size(); begin += options_.max_batch) {
    size_t end = std::min(queued.size(), begin + options_.max_batch);
    bufs.clear();
    for (size_t i = begin; i < end; ++i) {
      const std::string& cmd = queued[i].command;
      raft_buffer b;
      b.len = cmd.size();
      b.base = raft_malloc(cmd.empty() ? 1 : cmd.size());
      if (!cmd.empty()) std::memcpy(b.base, cmd.data(), cmd.size());
      bufs.push_back(b);
    }
    auto* op = track(std::make_unique<apply_op>());
    op->count = static_cast<unsigned>(bufs.size());
    uint64_t term = raft_.current_term;
    int rv = raft_apply(&raft_, &op->req, bufs.data(), op->count, &replica::on_apply);
    if (rv != 0) {
      for (auto& b : bufs) raft_free(b.base);  // ownership stays with us on failure
      forget(op);
      auto err = rv == RAFT_NOTLEADER ? not_leader_error() : raft_error(rv, "raft_apply");
      for (size_t i = begin; i < end; ++i) complete([cb = std::move(queued[i].cb), err] { cb(err); });
      continue;
    }
    ++counters_.apply_batches;
    counters_.proposals += op->count;
    note_inflight(op->req.index + op->count - 1);
    auto submitted = options_.io.observe ? std::chrono::steady_clock::now() : time_point{};
    for (size_t i = begin; i < end; ++i) {
      observe(replica_stage::queue, queued[i].queued);
      pending_[op->req.index + (i - begin)] = pending_entry{std::move(queued[i].cb), term, submitted};
    }
  }
  return true;
}

void replica::on_applied(uint64_t index, std::string& result) {
  auto it = pending_.find(index);
  if (it == pending_.end()) return;
  pending_entry p = std::move(it->second);
  observe(replica_stage::commit, p.submitted);
  pending_.erase(it);
  // Only a leader that never left its term knows this index holds its own
  // entry; anything else is "outcome unknown".
  if (raft_.state == RAFT_LEADER && raft_.current_term == p.term) {
    complete([cb = std::move(p.cb), r = std::move(result)]() mutable { cb(std::move(r)); });
  } else {
    complete([cb = std::move(p.cb)] { cb(unavailable("leadership changed; outcome unknown")); });
  }
}

void replica::on_apply(struct raft_apply* req, int status, void*) {
  auto* op = static_cast<apply_op*>(req->data);
  replica* self = op->self;
  // Success means the first entry applied; the others complete through
  // on_applied. A failure covers every entry of the batch still pending.
  if (status != 0) {
    // A log write that failed on a full disk says so (insufficient_storage,
    // which the router retries on another replica) instead of c-raft's
    // generic I/O error, which would reach the client as a 500.
    auto err = self->io_->failed() ? self->io_->failure() : raft_error(status, "replication");
    for (unsigned i = 0; i < op->count; ++i) {
      auto it = self->pending_.find(op->req.index + i);
      if (it == self->pending_.end()) continue;
      self->complete([cb = std::move(it->second.cb), err] { cb(err); });
      self->pending_.erase(it);
    }
  }
  self->forget(op);
}

void replica::fail_pending(const error& err) {
  for (auto& [index, p] : pending_) {
    complete([cb = std::move(p.cb), err] { cb(err); });
  }
  pending_.clear();
}

// -------------------------------------------------------------- reads

status replica::read_barrier(done_callback cb) {
  if (!accepting()) return not_leader_error();
  queued_reads_.push_back(std::move(cb));
  return {};
}

bool replica::submit_reads() {
  if (queued_reads_.empty() || (accepting() && paced())) return false;
  auto readers = std::move(queued_reads_);
  queued_reads_.clear();
  if (!accepting()) {
    auto err = not_leader_error();
    for (auto& cb : readers) complete([cb = std::move(cb), err] { cb(err); });
    return true;
  }
  auto* op = track(std::make_unique<barrier_op>());
  op->readers = std::move(readers);
  int rv = raft_barrier(&raft_, &op->req, &replica::on_barrier);
  if (rv != 0) {
    auto err = rv == RAFT_NOTLEADER ? not_leader_error() : raft_error(rv, "raft_barrier");
    for (auto& cb : op->readers) complete([cb = std::move(cb), err] { cb(err); });
    forget(op);
    return true;
  }
  ++counters_.barriers;
  note_inflight(op->req.index);
  return true;
}

void replica::on_barrier(struct raft_barrier* req, int status) {
  auto* op = static_cast<barrier_op*>(req->data);
  replica* self = op->self;
  ropekv::status st;
  if (status != 0) st = raft_error(status, "read barrier");
  for (auto& cb : op->readers) self->complete([cb = std::move(cb), st] { cb(st); });
  self->forget(op);
}

// ------------------------------------------------------------ driving

void replica::receive(node_id from, std::string_view bytes) {
  if (!closed_) io_->receive(from, bytes);
}

bool replica::poll(uint64_t now_ms) {
  if (closed_ || !started_) return false;
  io_->set_time(now_ms);
  maybe_assert_leadership();
  bool did = submit_proposals();
  did = submit_reads() || did;
  did = run_chained_changes() || did;
  did = io_->poll(now_ms) || did;
  if (io_->failed()) {
    // A log write failed (e.g. SQLITE_FULL): c-raft's view of the log no
    // longer matches the file. Stop here; the owner reopens the replica
    // from its file, which is intact (the failed transaction rolled back).
    crash();
    return true;
  }
  // Group apply for batching machines; results reach on_applied here.
  auto apply_started = std::chrono::steady_clock::now();
  uint64_t applied_before = applied_mark_;
  applied_mark_ = raft_.last_applied;
  if (!fsm_.flush()) {
    ++counters_.machine_errors;
    // The machine is behind c-raft's last_applied: only reopening the
    // replica (which replays the log into the machine) repairs that.
    crash();
    return true;
  }
  if (applied_mark_ != applied_before) observe(replica_stage::apply, apply_started);
  // A leader that lost its term can no longer vouch for pending indexes.
  if (!pending_.empty() && raft_.state != RAFT_LEADER) {
    fail_pending(unavailable("leadership lost; outcome unknown"));
  }
  did = did || !completions_.empty();
  run_completions();
  return did;
}

void replica::run_completions() {
  // Callbacks may propose again, which only queues: loop until drained.
  while (!completions_.empty()) {
    auto batch = std::move(completions_);
    completions_.clear();
    for (auto& fn : batch) fn();
  }
}

void replica::forget(op_base* op) { live_.erase(op); }

void replica::on_closed(struct raft* r) {
  static_cast<replica*>(r->data)->closed_ = true;
}

void replica::close() {
  if (closed_ || !initialized_) return;
  auto err = unavailable("replica closed");
  for (auto& q : queued_) complete([cb = std::move(q.cb), err] { cb(err); });
  queued_.clear();
  for (auto& cb : queued_reads_) complete([cb = std::move(cb), err] { cb(err); });
  queued_reads_.clear();
  for (auto* op : chained_) {
    complete([cb = std::move(op->cb), err] { cb(err); });
    forget(op);
  }
  chained_.clear();
  // Our io closes synchronously: every c-raft request completes (and its
  // op is released) inside raft_close.
  raft_close(&raft_, &replica::on_closed);
  closed_ = true;
  fail_pending(make_error(errc::unavailable, "replica closed; outcome unknown"));
  run_completions();
  live_.clear();
}

void replica::crash() {
  if (closed_ || !initialized_) return;
  io_->simulate_crash();
  close();
}

error replica::failure() const {
  if (io_->failed()) return io_->failure();
  if (fsm_.failed()) return make_error(fsm_.failure_code(), "state machine failed: " + fsm_.last_error());
  return make_error(errc::internal, "replica has not failed");
}

replica::statistics replica::stats() const {
  statistics s = counters_;
  s.term = raft_.current_term;
  s.commit_index = raft_.commit_index;
  s.last_applied = raft_.last_applied;
  s.last_index = started_ && !closed_ ? raft_last_index(const_cast<struct raft*>(&raft_)) : 0;
  s.fsyncs = io_->fsyncs();
  s.flushes = io_->stats().flushes;
  s.entries_written = io_->stats().entries_written;
  return s;
}

}  // namespace ropekv::consensus
