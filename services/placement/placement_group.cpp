#include "placement_group.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <random>

namespace ropekv::placement_service {
namespace {

uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

uint64_t random_nonce() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ steady_ms();
}

}  // namespace

/// Raft messages leave as RaftEnvelopes (segment_id 0: the placement
/// group) through the front actor; send() only hands them over.
class placement_group::envelope_transport : public consensus::transport {
 public:
  explicit envelope_transport(placement_group& g) : g_(g) {}
  void send(node_id to, std::string_view address, std::string bytes) override {
    if (!g_.send_) return;
    pb::RaftEnvelope env;
    env.set_segment_id(0);
    env.set_from_node(g_.options_.id);
    env.set_to_node(to.value);
    env.set_payload(std::move(bytes));
    g_.send_(std::string(address), std::move(env));
  }

 private:
  placement_group& g_;
};

placement_group::placement_group(placement_group_options options) : options_(std::move(options)) {}

result<std::unique_ptr<placement_group>> placement_group::open(const placement_group_options& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  auto dir = std::filesystem::path(options.data_dir);
  std::unique_ptr<placement_group> g(new placement_group(options));
  auto machine = catalog::catalog_replicator::open((dir / "placement.db").string(), random_nonce());
  if (!machine) return std::move(machine).error();
  g->machine_ = std::move(*machine);
  g->machine_->set_commit_timeout(options.commit_timeout);
  g->transport_ = std::make_unique<envelope_transport>(*g);
  auto log = consensus::sqlite_log::open((dir / "placement-raft.db").string(), consensus::sqlite_log_options{});
  if (!log) return std::move(log).error();
  consensus::replica_options ro;
  ro.id = node_id{options.id};
  ro.address = options.address;
  ro.election_timeout_ms = options.election_timeout_ms;
  ro.heartbeat_timeout_ms = options.heartbeat_timeout_ms;
  ro.snapshot_threshold = options.snapshot_threshold;
  ro.snapshot_trailing = options.snapshot_trailing;
  // A wiped instance must not wait c-raft's default 30 s for a retry.
  ro.install_snapshot_timeout_ms = 5000;
  ro.io.seed = random_nonce();
  // A restarted instance (a wiped one above all: it forgot its vote) votes
  // only after it had time to hear the current leader, so it cannot help
  // elect a second leader in a term it already voted in. The quiet period
  // rides on the lease machinery; placement does not serve lease reads.
  ro.io.lease_ms = options.election_timeout_ms * 3 / 4;
  ro.io.vote_quiet_ms = options.election_timeout_ms * 2;
  auto rep = consensus::replica::open(ro, std::move(*log), *g->transport_, *g->machine_, steady_ms());
  if (!rep) return std::move(rep).error();
  g->replica_ = std::move(*rep);
  if (!options.initial.empty()) {
    // Only a pristine log takes a configuration; an existing one keeps its.
    auto st = g->replica_->bootstrap(options.initial);
    if (st) spdlog::info("event=placement_group_bootstrapped voters={}", options.initial.size());
  }
  if (auto st = g->replica_->start(); !st) return st.error();
  // Entries are handed to the log by the group thread.
  g->machine_->set_propose([raw = g.get()](std::string cmd, std::function<void(error)> failed) -> status {
    if (!raw->view().ready) return make_error(errc::not_leader, "this placement instance does not lead");
    raw->post([raw, cmd = std::move(cmd), failed = std::move(failed)]() mutable {
      auto st = raw->replica_->propose(std::move(cmd), [failed](result<std::string> r) {
        if (!r) failed(r.error());
      });
      if (!st) failed(st.error());
    });
    return {};
  });
  return g;
}

placement_group::~placement_group() { stop(); }

void placement_group::start(send_fn send, view_fn on_view) {
  send_ = std::move(send);
  on_view_ = std::move(on_view);
  thread_ = std::thread([this] { run(); });
}

void placement_group::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (replica_) replica_->close();
}

void placement_group::receive(pb::RaftEnvelope env) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (inbox_.size() > 10000) inbox_.pop_front();  // a stalled thread must not eat memory
    inbox_.push_back(std::move(env));
  }
  wake_.notify_all();
}

void placement_group::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    tasks_.push_back(std::move(fn));
  }
  wake_.notify_all();
}

group_view placement_group::view() const {
  std::lock_guard<std::mutex> lk(mu_);
  return view_;
}

void placement_group::add_member(uint64_t id, std::string address, done_fn done) {
  post([this, id, address = std::move(address), done = std::move(done)]() mutable {
    auto st = replica_->add_nonvoter(node_id{id}, address, [this, id, done](status added) {
      if (!added) return done(added);
      // Caught up as a standby: now it may vote.
      auto st = replica_->promote(node_id{id}, [id, done](status promoted) {
        spdlog::info("event=placement_member_added id={} ok={}", id, promoted.ok());
        done(promoted);
      });
      if (!st) done(st);
    });
    if (!st) done(st);
  });
}

void placement_group::remove_member(uint64_t id, done_fn done) {
  post([this, id, done = std::move(done)] {
    auto st = replica_->remove(node_id{id}, [id, done](status removed) {
      spdlog::info("event=placement_member_removed id={} ok={}", id, removed.ok());
      done(removed);
    });
    if (!st) done(st);
  });
}

void placement_group::run() {
  while (true) {
    std::deque<pb::RaftEnvelope> inbox;
    std::deque<std::function<void()>> tasks;
    {
      std::unique_lock<std::mutex> lk(mu_);
      wake_.wait_for(lk, std::chrono::milliseconds(5), [&] { return stopping_ || !inbox_.empty() || !tasks_.empty(); });
      if (stopping_) return;
      inbox.swap(inbox_);
      tasks.swap(tasks_);
    }
    for (auto& env : inbox) replica_->receive(node_id{env.from_node()}, env.payload());
    for (auto& t : tasks) t();
    step(steady_ms());
  }
}

void placement_group::step(uint64_t now_ms) {
  while (replica_->poll(now_ms)) {
  }
  group_view v;
  auto stats = replica_->stats();
  v.term = stats.term;
  v.leading = replica_->is_leader();
  if (auto l = replica_->leader()) {
    v.leader_id = l->id.value;
    v.leader_address = l->address;
  }
  v.members = replica_->configuration();
  // A new leader first commits a barrier of its term: once it applies,
  // every entry of earlier terms is in the catalog file.
  if (v.leading && ready_term_ != v.term && !barrier_pending_) {
    barrier_pending_ = true;
    uint64_t term = v.term;
    auto st = replica_->read_barrier([this, term](status s) {
      barrier_pending_ = false;
      if (s && replica_->is_leader() && replica_->stats().term == term) ready_term_ = term;
    });
    if (!st) barrier_pending_ = false;
  }
  v.ready = v.leading && ready_term_ == v.term;
  if (v == published_) return;
  published_ = v;
  {
    std::lock_guard<std::mutex> lk(mu_);
    view_ = v;
  }
  spdlog::info("event=placement_group_view term={} leading={} ready={} leader={} leader_address={} members={}",
               v.term, v.leading, v.ready, v.leader_id, v.leader_address, v.members.size());
  if (on_view_) on_view_(v);
}

}  // namespace ropekv::placement_service
