// The segment actor: a thin shell that owns one segment_replica, polls it
// on a timer and after every message, forwards Raft envelopes to it, and
// answers client requests through response promises when the replica's
// callbacks fire (never blocking the actor on consensus).
#include "ropekv/segment/segment_actor.hpp"

#include <caf/all.hpp>

#include <chrono>

#include "caf_transport.hpp"
#include "ropekv/segment/segment_replica.hpp"

namespace ropekv::segment {

namespace {

/// Owns the replica. Touched only by the actor's handlers (one at a time).
struct segment_actor_state {
  std::unique_ptr<segment_replica> replica;
  segment_actor_config config;
  static inline const char* name = "ropekv.segment";
};

using actor_pointer = segment_replica_actor::stateful_pointer<segment_actor_state>;

result<std::unique_ptr<segment_replica>> open_replica(const segment_actor_config& c) {
  switch (c.mode) {
    case segment_actor_config::start_mode::create:
      return segment_replica::create(c.path, c.options, c.meta, c.members);
    case segment_actor_config::start_mode::join:
      return segment_replica::join(c.path, c.options, c.group);
    case segment_actor_config::start_mode::open:
      break;
  }
  return segment_replica::open(c.path, c.options);
}

segment_replica_actor spawn_with(caf::actor_system& sys, segment_actor_config config);

/// Polls until the replica is idle (bounded, so one busy group cannot
/// starve the mailbox), then hands split right halves to new actors.
void drive(actor_pointer self) {
  auto& st = self->state;
  if (!st.replica) return;
  for (int i = 0; i < 16 && st.replica->poll(); ++i) {
  }
  if (st.replica->failed()) {
    // The replica closed itself after a failed write (a full disk, an I/O
    // error): its file is intact, so the owner reopens it (on_replica_down).
    // The reason starts with the errc name so the owner can tell a full
    // disk (errc has no CAF error category yet).
    auto why = st.replica->failure();
    self->quit(caf::make_error(caf::sec::runtime_error,
                               std::string(to_string(why.code)) + ": " + why.message));
    return;
  }
  for (auto& child : st.replica->take_split_children()) {
    // The child is complete on disk; its own actor reopens it on its thread.
    std::string path = child->path();
    child.reset();
    segment_actor_config cc = st.config;
    cc.mode = segment_actor_config::start_mode::open;
    cc.path = path;
    spawn_with(self->home_system(), std::move(cc));
  }
}

template <class Reply>
caf::typed_response_promise<Reply> promise(actor_pointer self) {
  return self->make_response_promise<Reply>();
}

/// Reports how long a request the owner routed here waited in the mailbox.
template <class Request>
void note_wait(actor_pointer self, const Request& req) {
  const auto& observe = self->state.config.options.observe;
  uint64_t forwarded = req.routing().forwarded_ns();
  if (!observe || forwarded == 0) return;
  uint64_t now = forwarded_stamp();
  if (now > forwarded) observe(consensus::replica_stage::wait, static_cast<double>(now - forwarded) / 1e9);
}

segment_replica_actor::behavior_type segment_actor_fn(actor_pointer self, segment_actor_config config) {
  auto& st = self->state;
  if (!config.options.clock) config.options.clock = [] { return wall_clock(); };
  config.options.send = detail::make_caf_sink(self, config.directory);
  st.config = config;
  auto opened = open_replica(config);
  if (!opened) {
    // errc has no CAF error category yet: the message carries the reason.
    self->quit(caf::make_error(caf::sec::runtime_error,
                               std::string(to_string(opened.error().code)) + ": " + opened.error().message));
    return segment_replica_actor::behavior_type::make_empty_behavior();
  }
  st.replica = std::move(*opened);
  if (config.directory) {
    auto group = st.replica->group();
    auto node = st.replica->self();
    config.directory->put(group, node, caf::actor_cast<net::segment_actor>(self));
    // Peers stop resolving a dead replica; a restarted one registers again.
    self->attach_functor([dir = config.directory, group, node, addr = self->address()] {
      auto current = dir->find(group, node);
      if (current && current->address() == addr) dir->erase(group, node);
    });
  }
  self->delayed_send(self, config.tick, tick_atom_v);
  return {
      [self](tick_atom) {
        drive(self);
        self->delayed_send(self, self->state.config.tick, tick_atom_v);
      },
      [self](pb::RaftEnvelope& env) {
        self->state.replica->receive(env);
        drive(self);
      },
      [self](pb::WriteRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::WriteReply>(self);
        self->state.replica->write(req, [rp](pb::WriteReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::GetRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::GetReply>(self);
        self->state.replica->get(req, [rp](pb::GetReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::RangeRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::ItemsReply>(self);
        self->state.replica->range(req, [rp](pb::ItemsReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::ScanRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::ItemsReply>(self);
        self->state.replica->scan(req, [rp](pb::ItemsReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::PartitionRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::PartitionReply>(self);
        self->state.replica->partition(req, [rp](pb::PartitionReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::LocksRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::LocksReply>(self);
        self->state.replica->locks(req, [rp](pb::LocksReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::ChangesRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::ChangesReply>(self);
        self->state.replica->changes(req, [rp](pb::ChangesReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::MembershipRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::AdminReply>(self);
        self->state.replica->membership(req, [rp](pb::AdminReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::ManifestRequest& req) {
        auto rp = promise<pb::ManifestReply>(self);
        self->state.replica->manifest(req, [rp](pb::ManifestReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
      [self](pb::SplitRequest& req) {
        note_wait(self, req);
        auto rp = promise<pb::AdminReply>(self);
        self->state.replica->split(req, [rp](pb::AdminReply r) mutable { rp.deliver(std::move(r)); });
        drive(self);
        return rp;
      },
  };
}

segment_replica_actor spawn_with(caf::actor_system& sys, segment_actor_config config) {
  if (config.detached) return sys.spawn<caf::detached>(segment_actor_fn, std::move(config));
  return sys.spawn(segment_actor_fn, std::move(config));
}

}  // namespace

int64_t wall_clock() {
  static std::atomic<int64_t> last{0};
  int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  int64_t prev = last.load();
  while (now > prev && !last.compare_exchange_weak(prev, now)) {
  }
  return std::max(now, prev);
}

uint64_t forwarded_stamp() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

segment_replica_actor spawn_segment_actor(caf::actor_system& sys, segment_actor_config config) {
  return spawn_with(sys, std::move(config));
}

}  // namespace ropekv::segment
