// The owner actor's behavior: forwarding, placement's messages, its timer,
// and its lifecycle (start on listen_atom, stop on an exit message).
#include "owner_actor.hpp"

#include <spdlog/spdlog.h>

#include "owner_actor_state.hpp"
#include "request_key.hpp"
#include "unsafe_ack.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/segment/segment_actor.hpp"

namespace ropekv::segment_owner {
namespace {

/// Delegates `req` to the replica its routing names (the replica answers
/// the original sender), or answers for it.
template <class Reply, class Request>
caf::result<Reply> forward(owner_pointer self, Request& req, load_kind kind) {
  auto& st = self->state;
  route r = st.core.route_request(req.routing(), kind);
  if (r.what == route::kind::forward) {
    auto it = st.actors.find(r.group.value);
    if (it != st.actors.end()) {
      // A sample of the keys the load falls on, for a hot segment's split key.
      if (kind != load_kind::other) {
        if (auto* h = st.core.by_group(r.group); h != nullptr && h->load.sample_now()) {
          if (auto key = request_key(req)) h->load.add_sample(std::move(*key));
        }
      }
      if (r.clear_epoch) req.mutable_routing()->set_epoch(0);
      req.mutable_routing()->set_forwarded_ns(segment::forwarded_stamp());
      return self->delegate(it->second, std::move(req));
    }
    r.what = route::kind::unavailable;
    r.why = "replica of segment " + std::to_string(req.routing().segment_id()) + " is not running";
  }
  Reply out;
  auto code = r.what == route::kind::unavailable ? errc::unavailable : errc::wrong_segment;
  if (code == errc::unavailable && kind == load_kind::write && st.disk.full()) {
    // The replica closed on a full disk and waits for space (disk_guard.hpp).
    // A running replica here still gets its writes: a leader whose append
    // fails closes too and the group elects one that can write. The router
    // tries the other replicas and answers 507 only when a majority of the
    // group say the same.
    code = errc::insufficient_storage;
    r.why = "disk of node " + std::to_string(st.core.self().value) + " is full; " + r.why;
  }
  out.mutable_status()->set_error_code(static_cast<uint32_t>(code));
  out.mutable_status()->set_message(std::move(r.why));
  return out;
}

void on_tick(owner_pointer self) {
  auto& st = self->state;
  if (st.stopping) return;
  auto now = clock::now();
  drive_placement(self, now);
  connect_peers(self, now);
  check_disk(self, now);
  reopen_due(self, now);
  drive_rebuilds(self, now);
  check_splits(self, now);
  if (now >= st.next_probe) {
    st.next_probe = now + st.opts.heartbeat;
    adopt_split_children(self);
    probe_all(self);
  }
}

/// Closes every replica actor; the owner quits when the last is down.
void close_replicas(owner_pointer self) {
  auto& st = self->state;
  st.handoff.reset();
  if (st.actors.empty()) {
    self->quit(st.stop_reason);
    return;
  }
  // user_shutdown: each replica actor closes its replica (log flushed,
  // SQLite closed) when its state goes, before its down message.
  for (auto& [group, actor] : st.actors) self->send_exit(actor, caf::exit_reason::user_shutdown);
}

uint64_t segment_of(const owner_actor_state& st, segment_id group) {
  const auto* r = st.core.by_group(group);
  return r != nullptr ? r->segment.value : group.value;
}

long long ms_since(time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - t0).count();
}

/// One transfer answered (or failed, or its replica went down): once none
/// is due the stop goes on.
void settle_handoff(owner_pointer self, segment_id group) {
  auto& st = self->state;
  if (!st.handoff || !st.handoff->settle(group) || !st.handoff->done()) return;
  spdlog::info("event=leader_handoff_done ms={}", ms_since(st.handoff_started));
  close_replicas(self);
}

/// Asks every replica for a leadership transfer (node 0: c-raft picks the
/// most up-to-date other voter). Replicas that do not lead answer
/// not_leader at once; leaders answer once another voter leads or the
/// transfer timed out (c-raft: one election timeout). Never blocks: each
/// answer settles one entry of st.handoff, all bounded by handoff_budget.
void hand_off_leadership(owner_pointer self) {
  auto& st = self->state;
  st.handoff.emplace();
  st.handoff_started = clock::now();
  for (const auto& [group, actor] : st.actors) st.handoff->expect(segment_id{group});
  for (const auto& [group, actor] : st.actors) {
    segment_id g{group};
    pb::MembershipRequest req;
    req.set_op(pb::MembershipRequest::TRANSFER_LEADER);
    req.set_node_id(0);
    self->request(actor, st.opts.handoff_budget, req)
        .then(
            [self, g](pb::AdminReply& reply) {
              auto& st = self->state;
              auto outcome = classify_transfer(reply, st.core.self());
              if (outcome == handoff_outcome::not_leader) {
                spdlog::debug("event=leader_transfer segment={} group={} outcome=skipped why=not_leader",
                              segment_of(st, g), g.value);
              } else if (outcome == handoff_outcome::ok) {
                spdlog::info("event=leader_transfer segment={} group={} to={} outcome=ok ms={}", segment_of(st, g),
                             g.value, reply.segment().leader_hint(), ms_since(st.handoff_started));
              } else {
                spdlog::warn("event=leader_transfer segment={} group={} to={} outcome=failed ms={} error=\"{}\" "
                             "action=close_anyway",
                             segment_of(st, g), g.value, reply.segment().leader_hint(), ms_since(st.handoff_started),
                             reply.status().message());
              }
              settle_handoff(self, g);
            },
            [self, g](caf::error& err) {
              auto& st = self->state;
              bool timeout = err == caf::sec::request_timeout;
              spdlog::warn("event=leader_transfer segment={} group={} to=0 outcome={} ms={} error=\"{}\" "
                           "action=close_anyway",
                           segment_of(st, g), g.value, timeout ? "timeout" : "failed", ms_since(st.handoff_started),
                           caf::to_string(err));
              settle_handoff(self, g);
            });
  }
}

void begin_stop(owner_pointer self, caf::error reason) {
  auto& st = self->state;
  bool first = !st.stopping;
  if (first) spdlog::info("event=stopping replicas={} reason=\"{}\"", st.actors.size(), caf::to_string(reason));
  st.stopping = true;
  st.stop_reason = std::move(reason);
  if (first && !st.actors.empty() && st.opts.handoff_budget.count() > 0) {
    hand_off_leadership(self);
    return;
  }
  // A second exit while transfers are due: stop waiting for them.
  if (st.handoff) spdlog::warn("event=leader_handoff_abandoned pending={}", st.handoff->pending());
  close_replicas(self);
}

void on_down(owner_pointer self, caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& [group, actor] : st.actors) {
    if (actor.address() != msg.source) continue;
    segment_id g{group};
    st.actors.erase(g.value);
    on_replica_down(self, g, msg.reason);
    if (st.stopping && st.actors.empty()) {
      st.handoff.reset();
      self->quit(st.stop_reason);
      return;
    }
    settle_handoff(self, g);  // gone during the handoff: nothing to wait for
    return;
  }
  on_link_down(self, msg.source);
}

net::owner_actor::behavior_type owner_fn(owner_pointer self, owner_options options, data_dir dir, node_id saved) {
  auto& st = self->state;
  st.opts = std::move(options);
  st.dir = std::move(dir);
  st.core.set_self(saved);
  st.session = placement_session(st.opts.heartbeat, st.opts.backoff_min, st.opts.backoff_max);
  st.session.set_node(saved);
  st.peers = peer_book(st.opts.backoff_min, st.opts.backoff_max);
  st.disk = disk_guard([root = st.dir->root()] { return disk_guard::free_bytes_of(root); }, disk_resume_bytes);
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) { begin_stop(self, std::move(msg.reason)); });
  return {
      [self](pb::GetRequest& req) { return forward<pb::GetReply>(self, req, load_kind::read); },
      [self](pb::WriteRequest& req) -> caf::result<pb::WriteReply> {
        if (auto early = unsafe_ack_before_commit(self, req)) return std::move(*early);  // tests/chaos only
        return forward<pb::WriteReply>(self, req, load_kind::write);
      },
      [self](pb::RangeRequest& req) { return forward<pb::ItemsReply>(self, req, load_kind::read); },
      [self](pb::ScanRequest& req) { return forward<pb::ItemsReply>(self, req, load_kind::read); },
      [self](pb::PartitionRequest& req) { return forward<pb::PartitionReply>(self, req, load_kind::read); },
      [self](pb::LocksRequest& req) { return forward<pb::LocksReply>(self, req, load_kind::other); },
      [self](pb::ChangesRequest& req) { return forward<pb::ChangesReply>(self, req, load_kind::read); },
      [self](pb::MembershipRequest& req) { return forward<pb::AdminReply>(self, req, load_kind::other); },
      [self](pb::SplitRequest& req) { return forward<pb::AdminReply>(self, req, load_kind::other); },
      [self](pb::ManifestRequest& req) { return forward<pb::ManifestReply>(self, req, load_kind::other); },
      [self](pb::RaftEnvelope& env) {
        auto& st = self->state;
        auto group = st.core.route_envelope(env);
        if (!group) return;
        auto it = st.actors.find(group->value);
        if (it == st.actors.end()) return;
        learn_return_path(self, env);
        self->send(it->second, std::move(env));
      },
      [self](pb::SegmentAssignment& a) { on_assignment(self, a); },
      [self](pb::SegmentDrop& d) { on_drop(self, d); },
      [self](pb::RopeUpdate& u) { on_rope_update(self, u); },
      [self](listen_atom, std::string& address) {
        auto& st = self->state;
        if (st.started) return;  // once, from main
        st.started = true;
        st.address = address;
        spdlog::info("event=started node={} address={} data_dir={} placement={}", st.core.self().value, address,
                     st.dir->root(), st.opts.placement.empty() ? "none" : st.opts.placement);
        if (st.core.self().value != 0) open_existing(self);
        self->send(self, tick_atom_v);  // starts the timer chain
      },
      [self](tick_atom) {
        // Only the actor's own timer: a tick from elsewhere would start a
        // second timer chain.
        if (self->current_sender() != self->ctrl()) return;
        on_tick(self);
        if (!self->state.stopping) self->delayed_send(self, self->state.opts.tick, tick_atom_v);
      },
  };
}

}  // namespace

net::owner_actor spawn_owner(caf::actor_system& sys, owner_options options, data_dir dir, node_id saved) {
  return sys.spawn<caf::detached>(owner_fn, std::move(options), std::move(dir), saved);
}

}  // namespace ropekv::segment_owner
