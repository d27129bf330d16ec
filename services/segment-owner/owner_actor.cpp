// The owner actor's behavior: forwarding, placement's messages, its timer,
// and its lifecycle (start on listen_atom, stop on an exit message).
#include "owner_actor.hpp"

#include <spdlog/spdlog.h>

#include "owner_actor_state.hpp"
#include "ropekv/common/errc.hpp"

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
      if (r.clear_epoch) req.mutable_routing()->set_epoch(0);
      return self->delegate(it->second, std::move(req));
    }
    r.what = route::kind::unavailable;
    r.why = "replica of segment " + std::to_string(req.routing().segment_id()) + " is not running";
  }
  Reply out;
  auto code = r.what == route::kind::unavailable ? errc::unavailable : errc::wrong_segment;
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
  reopen_due(self, now);
  if (now >= st.next_probe) {
    st.next_probe = now + st.opts.heartbeat;
    adopt_split_children(self);
    probe_all(self);
  }
}

void begin_stop(owner_pointer self, caf::error reason) {
  auto& st = self->state;
  if (!st.stopping) spdlog::info("event=stopping replicas={} reason=\"{}\"", st.actors.size(), caf::to_string(reason));
  st.stopping = true;
  st.stop_reason = std::move(reason);
  if (st.actors.empty()) {
    self->quit(st.stop_reason);
    return;
  }
  // user_shutdown: each replica actor closes its replica (log flushed,
  // SQLite closed) when its state goes, before its down message.
  for (auto& [group, actor] : st.actors) self->send_exit(actor, caf::exit_reason::user_shutdown);
}

void on_down(owner_pointer self, caf::down_msg& msg) {
  auto& st = self->state;
  for (auto& [group, actor] : st.actors) {
    if (actor.address() != msg.source) continue;
    segment_id g{group};
    st.actors.erase(g.value);
    on_replica_down(self, g, msg.reason);
    if (st.stopping && st.actors.empty()) self->quit(st.stop_reason);
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
  self->set_down_handler([self](caf::down_msg& msg) { on_down(self, msg); });
  self->set_exit_handler([self](caf::exit_msg& msg) { begin_stop(self, std::move(msg.reason)); });
  return {
      [self](pb::GetRequest& req) { return forward<pb::GetReply>(self, req, load_kind::read); },
      [self](pb::WriteRequest& req) { return forward<pb::WriteReply>(self, req, load_kind::write); },
      [self](pb::RangeRequest& req) { return forward<pb::ItemsReply>(self, req, load_kind::read); },
      [self](pb::ScanRequest& req) { return forward<pb::ItemsReply>(self, req, load_kind::read); },
      [self](pb::PartitionRequest& req) { return forward<pb::PartitionReply>(self, req, load_kind::read); },
      [self](pb::ChangesRequest& req) { return forward<pb::ChangesReply>(self, req, load_kind::read); },
      [self](pb::MembershipRequest& req) { return forward<pb::AdminReply>(self, req, load_kind::other); },
      [self](pb::SplitRequest& req) { return forward<pb::AdminReply>(self, req, load_kind::other); },
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
