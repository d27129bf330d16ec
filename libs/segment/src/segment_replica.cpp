// segment_replica: creation, reopening, driving (poll) and accessors.
// Request handling lives in write_requests.cpp, read_requests.cpp and
// admin_requests.cpp.
#include "ropekv/segment/segment_replica.hpp"

#include <algorithm>
#include <filesystem>

#include "file_check.hpp"
#include "group_bootstrap.hpp"
#include "group_identity.hpp"
#include "replica_state.hpp"
#include "replies.hpp"

namespace ropekv::segment {

using detail::replica_state;

namespace {

std::string data_dir_of(const std::string& path, const segment_options& o) {
  if (!o.data_dir.empty()) return o.data_dir;
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

status check_options(const segment_options& o) {
  if (o.self.value == 0) return make_error(errc::invalid_argument, "node id must be non-zero");
  if (!o.clock) return make_error(errc::invalid_argument, "segment_options.clock is required");
  return {};
}

member_role from_consensus(consensus::member_role r) {
  switch (r) {
    case consensus::member_role::voter: return member_role::voter;
    case consensus::member_role::standby: return member_role::standby;
    case consensus::member_role::spare: return member_role::spare;
  }
  return member_role::spare;
}

}  // namespace

// ------------------------------------------------------------- replica_state

namespace detail {

std::optional<pb::Status> replica_state::check_leader() const {
  if (raft->is_leader() && raft->raw()->transfer == nullptr) return std::nullopt;
  node_id h = hint();
  std::string msg = h.value != 0 && h != opts.self ? "not leader; leader is node " + std::to_string(h.value)
                                                   : "not leader; leader unknown";
  return make_status(errc::not_leader, std::move(msg), h == opts.self ? node_id{} : h);
}

void replica_state::observe_leadership() {
  if (!raft->is_leader()) return;
  uint64_t term = raft->stats().term;
  if (term == leader_term) return;
  leader_term = term;
  leader_since = raft->stats().last_index;
  split_in_flight = false;
  membership_in_flight = 0;
}

bool replica_state::earlier_terms_pending() const {
  return raft->stats().last_applied < leader_since;
}

}  // namespace detail

// ------------------------------------------------------------------ creation

segment_replica::segment_replica(std::unique_ptr<replica_state> state) : s_(std::move(state)) {}

segment_replica::~segment_replica() {
  // A clean close seals the file once every connection to it is gone (its
  // WAL checkpointed), so the next open can tell a flipped byte
  // (file_check.hpp). A crash or a failed replica leaves no seal.
  const bool seal = s_ && s_->raft && !s_->raft->closed() && !s_->raft->failed();
  std::string path = s_ ? s_->path : std::string();
  close();
  s_.reset();
  if (seal) (void)detail::write_seal(path);
}

result<std::unique_ptr<segment_replica>> segment_replica::create(const std::string& path,
                                                                 const segment_options& options,
                                                                 const store::segment_meta& meta,
                                                                 const std::vector<member_info>& members) {
  if (auto st = check_options(options); !st) return st.error();
  if (meta.segment_id == 0) return make_error(errc::invalid_argument, "segment id must be non-zero");
  if (std::filesystem::exists(path)) return make_error(errc::already_exists, path + " exists");
  detail::drop_seal(path);  // of an earlier replica at this path
  {
    auto store = store::segment_store::open(path, options.store);
    if (!store) return std::move(store).error();
    if (auto st = (*store)->set_meta(meta); !st) return st.error();
    // The group's first state is the store at index 1 (see group_bootstrap).
    pb::Mutation noop;
    noop.mutable_noop();
    if (auto r = (*store)->apply(noop, 1); !r) return std::move(r).error();
    auto image = (*store)->snapshot();
    if (!image) return std::move(image).error();
    if (auto st = detail::bootstrap_group(path, meta.segment_id, members, 1, *image, options.durable_log);
        !st) {
      return st.error();
    }
  }
  return start(path, options);
}

result<std::unique_ptr<segment_replica>> segment_replica::join(const std::string& path,
                                                               const segment_options& options,
                                                               segment_id group) {
  if (auto st = check_options(options); !st) return st.error();
  if (group.value == 0) return make_error(errc::invalid_argument, "group id must be non-zero");
  if (std::filesystem::exists(path)) return make_error(errc::already_exists, path + " exists");
  detail::drop_seal(path);  // of an earlier replica at this path
  {
    auto store = store::segment_store::open(path, options.store);
    if (!store) return std::move(store).error();
  }
  if (auto st = detail::save_group_id(path, group.value); !st) return st.error();
  return start(path, options);
}

result<std::unique_ptr<segment_replica>> segment_replica::open(const std::string& path,
                                                               const segment_options& options) {
  if (auto st = check_options(options); !st) return st.error();
  if (!std::filesystem::exists(path)) return make_error(errc::not_found, path + " does not exist");
  return start(path, options);
}

result<std::unique_ptr<segment_replica>> segment_replica::start(const std::string& path,
                                                                const segment_options& options) {
  // Nothing is served from a file that fails its checks: errc::corrupt, and
  // the owner rebuilds the replica from its peers (file_check.hpp).
  if (auto st = detail::check_seal(path); !st) return st.error();
  if (auto st = detail::quick_check(path); !st) return st.error();
  auto group = detail::load_group_id(path);
  if (!group) return std::move(group).error();
  auto s = std::make_unique<replica_state>();
  s->opts = options;
  s->path = path;
  s->group = segment_id{*group};
  auto store = store::segment_store::open(path, options.store);
  if (!store) return std::move(store).error();
  s->store = std::move(*store);
  // The segment digest reads and encodes every record once: a record that
  // no longer decodes fails the open here instead of a read later.
  if (auto d = s->store->digest(); !d) return std::move(d).error();
  s->transport = std::make_unique<detail::envelope_transport>(s->group, options.self, options.send);
  s->splitter = std::make_unique<detail::split_executor>(data_dir_of(path, options), s->group.value,
                                                         options.store, options.durable_log);
  // A split interrupted after its commit point is finished before anything else.
  auto recovered = s->splitter->recover(s->store->applied_index());
  if (!recovered) return std::move(recovered).error();
  s->machine = std::make_unique<detail::segment_state_machine>(*s->store, *s->splitter);

  auto log = consensus::sqlite_log::open(path, consensus::sqlite_log_options{options.durable_log});
  if (!log) return std::move(log).error();
  consensus::replica_options ro;
  ro.id = options.self;
  ro.address = options.address;
  ro.election_timeout_ms = options.election_timeout_ms;
  ro.heartbeat_timeout_ms = options.heartbeat_timeout_ms;
  ro.snapshot_threshold = options.snapshot_threshold;
  ro.snapshot_trailing = options.snapshot_trailing;
  // c-raft's 30 s default would leave a follower whose InstallSnapshot was
  // lost behind for that long; a few election timeouts is enough.
  ro.install_snapshot_timeout_ms = std::max(2 * options.election_timeout_ms, 1000u);
  ro.io.seed = options.seed * 1000003 + s->group.value;  // groups of one node time out apart
  ro.io.observe = options.observe;
  if (options.strong_reads == strong_read_mode::lease) {
    // A quarter of the election timeout is left for clock-rate drift
    // between machines and for the time a read takes once admitted.
    ro.io.lease_ms = options.election_timeout_ms * 3 / 4;
    ro.io.vote_quiet_ms = options.election_timeout_ms;
  }
  auto raft = consensus::replica::open(ro, std::move(*log), *s->transport, *s->machine, s->now_ms());
  if (!raft) return std::move(raft).error();
  s->raft = std::move(*raft);
  if (auto st = s->raft->start(); !st) return st.error();
  s->next_sweep_us = s->now_us() + options.sweep_interval_us;

  std::unique_ptr<segment_replica> out(new segment_replica(std::move(s)));
  for (const auto& child_path : *recovered) {
    auto child = open(child_path, options);
    if (!child) return std::move(child).error();
    out->s_->children.push_back(std::move(*child));
  }
  return out;
}

// ------------------------------------------------------------------- driving

void segment_replica::receive(const pb::RaftEnvelope& envelope) {
  if (envelope.segment_id() != s_->group.value || envelope.to_node() != s_->opts.self.value) return;
  s_->raft->receive(node_id{envelope.from_node()}, envelope.payload());
}

bool segment_replica::poll() {
  auto& s = *s_;
  if (s.raft->closed()) return false;
  s.observe_leadership();
  bool did = false;
  if (s.opts.strong_reads == strong_read_mode::barrier) did = s.reads.flush(*s.raft);
  did = detail::maybe_sweep(s) || did;
  did = detail::maybe_chunk(s) || did;
  did = detail::wake_manifest_waiters(s) || did;
  did = s.raft->poll(s.now_ms()) || did;
  s.observe_leadership();
  did = detail::wake_feed_waiters(s) || did;
  for (auto& outcome : s.machine->take_splits()) {
    ++s.counters.splits_applied;
    auto child = open(outcome.right_path, s.opts);
    if (!child) {
      // The right file is complete on disk; a restart of the owner opens it.
      continue;
    }
    s.children.push_back(std::move(*child));
    did = true;
  }
  return did;
}

std::vector<std::unique_ptr<segment_replica>> segment_replica::take_split_children() {
  auto out = std::move(s_->children);
  s_->children.clear();
  return out;
}

void segment_replica::close() {
  if (!s_ || !s_->raft || s_->raft->closed()) return;
  s_->reads.fail_all(make_error(errc::unavailable, "replica closed"));
  detail::fail_feed_waiters(*s_, detail::to_status(make_error(errc::unavailable, "replica closed")));
  s_->raft->close();
}

void segment_replica::crash() {
  if (!s_ || !s_->raft || s_->raft->closed()) return;
  s_->reads.fail_all(make_error(errc::unavailable, "replica closed"));
  detail::fail_feed_waiters(*s_, detail::to_status(make_error(errc::unavailable, "replica closed")));
  s_->raft->crash();
}

bool segment_replica::closed() const { return s_->raft->closed(); }
bool segment_replica::failed() const { return s_->raft->failed(); }
error segment_replica::failure() const { return s_->raft->failure(); }

// ------------------------------------------------------------------- state

segment_id segment_replica::group() const { return s_->group; }
node_id segment_replica::self() const { return s_->opts.self; }
store::segment_meta segment_replica::meta() const { return s_->store->meta(); }
bool segment_replica::is_leader() const { return s_->raft->is_leader(); }
node_id segment_replica::leader_hint() const { return s_->hint(); }
uint64_t segment_replica::applied_index() const { return s_->store->applied_index(); }
result<uint64_t> segment_replica::digest() { return s_->store->digest(); }
const std::string& segment_replica::path() const { return s_->path; }
store::segment_store& segment_replica::store() { return *s_->store; }
consensus::replica& segment_replica::raft() { return *s_->raft; }

std::vector<member_info> segment_replica::members() const {
  std::vector<member_info> out;
  for (const auto& m : s_->raft->configuration()) {
    out.push_back(member_info{m.id, m.address, from_consensus(m.role)});
  }
  return out;
}

pb::SegmentDescriptor segment_replica::describe() const {
  pb::SegmentDescriptor d;
  auto m = meta();
  d.set_id(m.segment_id);
  d.set_start_key(m.start_key);
  d.set_end_key(m.end_key);
  d.set_epoch(m.epoch);
  for (const auto& mem : s_->raft->configuration()) {
    if (mem.role == consensus::member_role::voter) d.add_replicas(mem.id.value);
  }
  d.set_leader_hint(s_->hint().value);
  return d;
}

segment_replica::counters segment_replica::stats() const {
  counters c = s_->counters;
  c.read_barriers = s_->reads.barriers();
  c.lease_reads = s_->counters.lease_reads;
  c.strong_reads += s_->reads.served();
  c.missed_splits = s_->machine->missed_splits();
  return c;
}

}  // namespace ropekv::segment
