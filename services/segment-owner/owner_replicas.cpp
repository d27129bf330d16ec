// The owner actor's replicas: starting replica actors (open / create /
// join), assignments and drops from placement, probes and the membership
// steps of moves, failures and reopening.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "owner_actor_state.hpp"
#include "ropekv/common/errc.hpp"

namespace ropekv::segment_owner {
namespace {

using start_mode = segment::segment_actor_config::start_mode;

const char* mode_name(start_mode m) {
  switch (m) {
    case start_mode::open: return "open";
    case start_mode::create: return "create";
    case start_mode::join: return "join";
  }
  return "?";
}

std::string join_ids(const google::protobuf::RepeatedField<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::string join_ids(const std::vector<uint64_t>& ids) {
  std::string out;
  for (uint64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

segment::segment_options replica_options(const owner_actor_state& st) {
  segment::segment_options o;
  o.self = st.core.self();
  o.address = st.address;
  o.data_dir = st.dir->segments_dir();  // split right halves land beside their parent
  o.election_timeout_ms = st.opts.election_timeout_ms;
  o.heartbeat_timeout_ms = st.opts.raft_heartbeat_ms;
  o.snapshot_threshold = st.opts.snapshot_threshold;
  o.snapshot_trailing = st.opts.snapshot_trailing;
  // Seeds the randomised election timeouts: replicas of one group on
  // different nodes must not time out in lockstep.
  o.seed = st.core.self().value;
  o.durable_log = st.opts.durable_log;
  o.strong_reads = st.opts.strong_reads;
  o.observe = st.opts.observe;
  o.chunks = st.opts.chunks;
  return o;
}

/// Spawns the replica actor of `r` and makes its peers reachable.
void start_replica(owner_pointer self, hosted_replica& r, start_mode mode) {
  auto& st = self->state;
  segment::segment_actor_config cfg;
  cfg.mode = mode;
  cfg.path = r.path;
  cfg.options = replica_options(st);
  if (mode == start_mode::create && r.assignment) {
    const auto& s = r.assignment->segment();
    cfg.meta = store::segment_meta{s.id(), s.start_key(), s.end_key(), s.epoch()};
    cfg.members = initial_members(*r.assignment);
  }
  cfg.group = r.group;
  cfg.directory = st.directory;
  cfg.tick = st.opts.replica_tick;
  cfg.detached = true;  // SQLite blocks
  auto actor = segment::spawn_segment_actor(self->home_system(), std::move(cfg));
  self->monitor(actor);
  st.actors[r.group.value] = actor;
  r.phase = replica_phase::running;
  publish_peers(self, r.group);
  spdlog::info("event=replica_started mode={} segment={} group={} epoch={} path={}", mode_name(mode), r.segment.value,
               r.group.value, r.assigned_epoch, r.path);
}

void persist_assignment(owner_pointer self, segment_id group, const pb::SegmentAssignment& a) {
  if (auto st = self->state.dir->save_assignment(group, a); !st)
    spdlog::error("event=assignment_save_failed group={} error=\"{}\"", group.value, st.error().message);
}

std::optional<replica_file> file_of(const owner_actor_state& st, segment_id group) {
  for (auto& f : st.dir->replica_files()) {
    if (f.group == group) return f;
  }
  return std::nullopt;
}

void remove_files(owner_pointer self, segment_id group, const std::string& why) {
  auto& st = self->state;
  auto file = file_of(st, group);
  if (!file) return;
  if (auto s = st.dir->remove_replica(*file); !s) {
    spdlog::error("event=replica_delete_failed group={} path={} error=\"{}\"", group.value, file->path,
                  s.error().message);
    return;
  }
  spdlog::info("event=replica_deleted group={} path={} reason=\"{}\"", group.value, file->path, why);
}

void forget_replica(owner_pointer self, segment_id group) {
  auto& st = self->state;
  for (const auto& [node, handle] : st.peer_handles) st.directory->erase(group, node_id{node});
  st.reopen.erase(group.value);
  st.core.forget(group);
}

void drive_membership(owner_pointer self, segment_id group) {
  auto& st = self->state;
  auto it = st.actors.find(group.value);
  if (it == st.actors.end()) return;
  auto step = st.core.next_membership_step(group);
  if (!step) return;
  const auto* r = st.core.by_group(group);
  spdlog::info("event=membership_step segment={} op={} node={} target_epoch={} voters={}", step->routing().segment_id(),
               pb::MembershipRequest::Op_Name(step->op()), step->node_id(), r->assigned_epoch, join_ids(r->voters));
  // A promotion waits for c-raft's catch-up rounds: give it time.
  self->request(it->second, std::chrono::seconds(60), *step)
      .then(
          [self, group, req = *step](pb::AdminReply& reply) {
            self->state.core.on_membership_reply(group, req, reply);
            if (reply.status().error_code() != 0) {
              spdlog::warn("event=membership_step_failed segment={} op={} node={} error=\"{}\"",
                           req.routing().segment_id(), pb::MembershipRequest::Op_Name(req.op()), req.node_id(),
                           reply.status().message());
              return;
            }
            spdlog::info("event=membership_step_done segment={} op={} node={} voters={}", req.routing().segment_id(),
                         pb::MembershipRequest::Op_Name(req.op()), req.node_id(), join_ids(reply.segment().replicas()));
            drive_membership(self, group);
          },
          [self, group, req = *step](caf::error& err) {
            pb::AdminReply failed;
            failed.mutable_status()->set_error_code(static_cast<uint32_t>(errc::unavailable));
            self->state.core.on_membership_reply(group, req, failed);
            spdlog::warn("event=membership_step_failed segment={} op={} node={} error=\"{}\"",
                         req.routing().segment_id(), pb::MembershipRequest::Op_Name(req.op()), req.node_id(),
                         caf::to_string(err));
          });
}

void on_probe_reply(owner_pointer self, segment_id group, const pb::AdminReply& reply) {
  auto& st = self->state;
  if (!reply.has_segment()) return;
  auto ev = st.core.on_probe(group, reply.segment());
  const auto* r = st.core.by_group(group);
  if (r == nullptr) return;
  if (ev.renamed)
    spdlog::info("event=segment_renamed group={} from={} to={} epoch={} why=split", group.value, ev.previous_segment,
                 r->segment.value, r->epoch);
  if (ev.leader_changed)
    spdlog::info("event=leader_observed segment={} leader={} previous={} self_leads={} epoch={}", r->segment.value,
                 ev.leader.value, ev.previous_leader.value, ev.leader == st.core.self(), r->epoch);
  if (ev.adopted)
    spdlog::info("event=move_adopted segment={} epoch={} voters={}", r->segment.value, ev.adopted_epoch,
                 join_ids(r->voters));
  drive_membership(self, group);
}

/// The segment actor's down reason names the errc first (segment_actor.cpp).
bool is_corrupt_reason(const std::string& why) { return why.find("corrupt: ") != std::string::npos; }

/// A replica whose file failed its checks at open (file_check.hpp): never
/// served; its file is moved aside (<path>.corrupt, for a post-mortem) and
/// the replica rejoins its group empty, as a new member would, so the
/// leader sends it a snapshot and the log. Only with a peer to rebuild
/// from: the only copy of a group stays down, untouched, for an operator.
void rebuild_corrupt(owner_pointer self, segment_id group, const std::string& why) {
  auto& st = self->state;
  hosted_replica* r = st.core.by_group(group);
  std::vector<uint64_t> peers;
  if (r->assignment)
    for (uint64_t n : r->assignment->segment().replicas())
      if (n != st.core.self().value) peers.push_back(n);
  for (uint64_t n : r->voters)
    if (n != st.core.self().value && std::find(peers.begin(), peers.end(), n) == peers.end()) peers.push_back(n);
  if (st.opts.on_replica_corrupt) st.opts.on_replica_corrupt();
  st.reopen.erase(group.value);
  if (peers.empty()) {
    st.core.set_phase(group, replica_phase::reopening);  // answers unavailable; no reopen plan: stays down
    spdlog::critical("event=replica_corrupt segment={} group={} path={} reason=\"{}\" action=keep_down "
                     "why=\"no peer to rebuild from\"",
                     r->segment.value, group.value, r->path, why);
    return;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string aside = r->path + ".corrupt";
  fs::rename(r->path, aside, ec);
  for (const char* suffix : {"-wal", "-shm", "-journal", ".seal"}) {
    std::error_code ignored;
    fs::remove(r->path + suffix, ignored);
  }
  if (ec) {
    st.core.set_phase(group, replica_phase::reopening);
    spdlog::critical("event=replica_corrupt segment={} group={} path={} reason=\"{}\" action=keep_down "
                     "why=\"cannot move the file aside: {}\"",
                     r->segment.value, group.value, r->path, why, ec.message());
    return;
  }
  spdlog::error("event=replica_corrupt segment={} group={} path={} reason=\"{}\" action=rebuild_from_peers "
                "peers={} moved_to={}",
                r->segment.value, group.value, r->path, why, join_ids(peers), aside);
  r->probed = false;
  start_replica(self, *r, start_mode::join);
  st.rebuilds[group.value] = rebuild_plan{r->segment.value, peers, 0, 0, clock::now(), false, 0};
}

}  // namespace

void open_existing(owner_pointer self) {
  auto& st = self->state;
  for (auto& f : st.dir->replica_files()) {
    if (st.core.by_group(f.group) != nullptr) continue;
    auto saved = st.dir->load_assignment(f.group);
    if (!saved) {
      spdlog::warn("event=assignment_unreadable group={} error=\"{}\"", f.group.value, saved.error().message);
    }
    auto& r = st.core.host(f.group, f.path, saved ? *saved : std::nullopt);
    if (r.assignment) {
      for (const auto& peer : r.assignment->peers()) learn_peer(self, peer);
    }
    start_replica(self, r, start_mode::open);
  }
}

void on_assignment(owner_pointer self, const pb::SegmentAssignment& a) {
  auto& st = self->state;
  const auto& seg = a.segment();
  if (!st.started || st.core.self().value == 0) {
    spdlog::warn("event=assignment_ignored segment={} why=\"owner not registered yet\"", seg.id());
    return;
  }
  for (const auto& peer : a.peers()) learn_peer(self, peer);
  auto existing = file_of(st, segment_id{seg.id()});
  auto d = st.core.on_assignment(a, existing.has_value());
  using kind = assignment_decision::kind;
  switch (d.what) {
    case kind::invalid:
      spdlog::warn("event=assignment_ignored why=\"no segment id\"");
      return;
    case kind::stale:
      spdlog::info("event=assignment_ignored segment={} epoch={} why=stale", seg.id(), seg.epoch());
      return;
    case kind::not_member:
      spdlog::info("event=assignment_ignored segment={} epoch={} replicas={} why=\"not a member\"", seg.id(),
                   seg.epoch(), join_ids(seg.replicas()));
      return;
    case kind::dropping:
      spdlog::info("event=assignment_ignored segment={} epoch={} why=\"replica is being dropped\"", seg.id(),
                   seg.epoch());
      return;
    case kind::update:
      persist_assignment(self, d.group, a);
      spdlog::info("event=assignment_updated segment={} epoch={} replicas={} bootstrap={}", seg.id(), seg.epoch(),
                   join_ids(seg.replicas()), a.bootstrap());
      publish_peers(self, d.group);
      drive_membership(self, d.group);
      return;
    case kind::open:
    case kind::create:
    case kind::join:
      break;
  }
  hosted_replica& r = *st.core.by_group(d.group);
  r.path = d.what == kind::open ? existing->path : st.dir->replica_path(d.group);
  persist_assignment(self, d.group, a);
  spdlog::info("event=assignment_accepted segment={} epoch={} replicas={} bootstrap={} action={}", seg.id(),
               seg.epoch(), join_ids(seg.replicas()), a.bootstrap(),
               d.what == kind::open ? "open" : d.what == kind::create ? "create" : "join");
  start_replica(self, r, d.what == kind::open ? start_mode::open
                         : d.what == kind::create ? start_mode::create
                                                  : start_mode::join);
}

void on_drop(owner_pointer self, const pb::SegmentDrop& d) {
  auto& st = self->state;
  auto decision = st.core.on_drop(d);
  using kind = drop_decision::kind;
  switch (decision.what) {
    case kind::unknown:
      // Not hosted; a file left behind (a replica that never opened) goes too.
      if (st.actors.count(decision.group.value) == 0) remove_files(self, decision.group, d.reason());
      return;
    case kind::stale:
      spdlog::info("event=drop_ignored segment={} epoch={} why=\"a newer assignment names this node\"",
                   d.segment_id(), d.epoch());
      return;
    case kind::already:
      return;
    case kind::remove:
      spdlog::info("event=replica_dropping segment={} reason=\"{}\"", d.segment_id(), d.reason());
      remove_files(self, decision.group, d.reason());
      forget_replica(self, decision.group);
      return;
    case kind::close:
      break;
  }
  spdlog::info("event=replica_dropping segment={} epoch={} reason=\"{}\"", d.segment_id(), d.epoch(), d.reason());
  auto it = st.actors.find(decision.group.value);
  if (it != st.actors.end()) self->send_exit(it->second, caf::exit_reason::user_shutdown);
}

void on_replica_down(owner_pointer self, segment_id group, const caf::error& reason) {
  auto& st = self->state;
  const hosted_replica* r = st.core.by_group(group);
  if (r == nullptr) return;
  if (r->phase == replica_phase::dropping) {
    remove_files(self, group, "dropped by placement");
    forget_replica(self, group);
    return;
  }
  if (st.stopping) return;
  const std::string why = caf::to_string(reason);
  if (is_corrupt_reason(why)) {
    rebuild_corrupt(self, group, why);
    return;
  }
  const bool disk_full = disk_guard::is_full_reason(why);
  spdlog::error("event=replica_failed segment={} group={} path={} reason=\"{}\" action={}", r->segment.value,
                group.value, r->path, why, disk_full ? "reopen_when_space" : "reopen");
  if (disk_full && st.disk.on_full()) {
    auto free = disk_guard::free_bytes_of(st.dir->root());
    spdlog::error("event=disk_full node={} dir={} free_bytes={} resume_at_bytes={} action=\"refuse writes, reopen "
                  "replicas when space returns\"",
                  st.core.self().value, st.dir->root(), free ? std::to_string(*free) : "unknown", disk_resume_bytes);
  }
  if (!file_of(st, group)) {
    forget_replica(self, group);
    return;
  }
  st.core.set_phase(group, replica_phase::reopening);
  auto& plan = st.reopen[group.value];
  plan.at = plan.retry.failed(clock::now());
}

void drive_rebuilds(owner_pointer self, time_point now) {
  auto& st = self->state;
  for (auto it = st.rebuilds.begin(); it != st.rebuilds.end();) {
    auto& plan = it->second;
    if (st.core.by_group(segment_id{it->first}) == nullptr || plan.attempts >= 120) {
      if (plan.attempts >= 120)
        spdlog::error("event=replica_rebuild_stuck segment={} why=\"no leader removed this node\"", plan.segment);
      it = st.rebuilds.erase(it);
      continue;
    }
    if (plan.in_flight || now < plan.at || plan.peers.empty()) {
      ++it;
      continue;
    }
    uint64_t ask = plan.hint != 0 ? plan.hint : plan.peers[plan.next++ % plan.peers.size()];
    plan.hint = 0;
    auto handle = st.peer_handles.find(ask);
    if (handle == st.peer_handles.end()) {
      plan.at = now + std::chrono::milliseconds(200);
      ++plan.attempts;
      ++it;
      continue;
    }
    pb::MembershipRequest req;
    req.set_op(pb::MembershipRequest::REMOVE);
    req.set_node_id(st.core.self().value);
    req.mutable_routing()->set_segment_id(plan.segment);
    plan.in_flight = true;
    ++plan.attempts;
    uint64_t g = it->first;
    auto retry = [self, g](uint64_t hint) {
      auto found = self->state.rebuilds.find(g);
      if (found == self->state.rebuilds.end()) return;
      found->second.in_flight = false;
      found->second.hint = hint;
      found->second.at = clock::now() + std::chrono::milliseconds(hint != 0 ? 0 : 300);
    };
    // The peer handle is typed for the data path; the actor behind it is
    // the remote owner, which forwards membership requests to its replica.
    auto owner = caf::actor_cast<net::owner_actor>(handle->second);
    self->request(owner, st.opts.call_timeout, req)
        .then(
            [self, g, ask, retry](pb::AdminReply& reply) {
              uint32_t code = reply.status().error_code();
              if (code == 0) {
                auto found = self->state.rebuilds.find(g);
                if (found != self->state.rebuilds.end()) {
                  spdlog::info("event=replica_rebuild_rejoining segment={} removed_by={} voters={} next=\"the "
                               "leader's owner adds this node back; it catches up from a snapshot\"",
                               found->second.segment, ask, join_ids(reply.segment().replicas()));
                  self->state.rebuilds.erase(found);
                }
                return;
              }
              uint64_t hint = code == static_cast<uint32_t>(errc::not_leader) ? reply.status().leader_hint() : 0;
              retry(hint == self->state.core.self().value ? 0 : hint);
            },
            [retry](caf::error&) { retry(0); });
    ++it;
  }
}

void check_disk(owner_pointer self, time_point now) {
  auto& st = self->state;
  if (!st.disk.check()) return;
  auto free = disk_guard::free_bytes_of(st.dir->root());
  spdlog::info("event=disk_writable node={} dir={} free_bytes={} reopening={}", st.core.self().value, st.dir->root(),
               free ? std::to_string(*free) : "unknown", st.reopen.size());
  for (auto& [group, plan] : st.reopen) {
    plan.retry.reset();
    plan.at = now;
  }
}

void reopen_due(owner_pointer self, time_point now) {
  auto& st = self->state;
  // A reopen on a full disk fails on its first append: wait for space.
  if (st.disk.full()) return;
  for (auto it = st.reopen.begin(); it != st.reopen.end();) {
    hosted_replica* r = st.core.by_group(segment_id{it->first});
    if (r == nullptr || r->phase != replica_phase::reopening) {
      it = st.reopen.erase(it);
      continue;
    }
    if (now >= it->second.at) {
      // The plan stays (with its backoff) until a probe shows the replica alive.
      it->second.at = time_point::max();
      start_replica(self, *r, start_mode::open);
    }
    ++it;
  }
}

void probe_all(owner_pointer self) {
  auto& st = self->state;
  for (const auto& [group, actor] : st.actors) {
    // PROMOTE of node 0 is refused by every replica after it filled in
    // its descriptor: a describe that changes nothing.
    pb::MembershipRequest probe;
    probe.set_op(pb::MembershipRequest::PROMOTE);
    probe.set_node_id(0);
    segment_id g{group};
    self->request(actor, st.opts.call_timeout, probe)
        .then(
            [self, g](pb::AdminReply& reply) {
              if (auto it = self->state.reopen.find(g.value); it != self->state.reopen.end() &&
                                                               it->second.at == time_point::max())
                self->state.reopen.erase(it);  // reopened and answering
              on_probe_reply(self, g, reply);
            },
            [g](caf::error& err) {
              spdlog::debug("event=probe_failed group={} error=\"{}\"", g.value, caf::to_string(err));
            });
  }
}

void adopt_split_children(owner_pointer self) {
  auto& st = self->state;
  for (auto& f : st.dir->replica_files()) {
    if (st.core.by_group(f.group) != nullptr) continue;
    // A split's right half registers itself in the directory from the
    // parent's thread; only then is it ours to route to. An unregistered
    // file is never opened here (its parent may be about to).
    auto handle = st.directory->find(f.group, st.core.self());
    if (!handle) continue;
    auto actor = caf::actor_cast<segment::segment_replica_actor>(*handle);
    auto& r = st.core.host(f.group, f.path, std::nullopt);
    self->monitor(actor);
    st.actors[f.group.value] = actor;
    publish_peers(self, r.group);
    spdlog::info("event=split_child_adopted segment={} path={}", f.group.value, f.path);
  }
}

}  // namespace ropekv::segment_owner
