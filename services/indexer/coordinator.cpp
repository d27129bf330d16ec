#include "coordinator.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <map>

#include "index_builder.hpp"
#include "placement_session.hpp"

namespace ropekv::indexer {
namespace {

struct held_index {
  pb::IndexDescriptor desc;
  caf::actor builder;
  std::optional<pb::IndexReplicaState> last;  // the builder's last report
};

struct coordinator_state {
  std::shared_ptr<indexer_shared> shared;
  std::string address;  // own CAF endpoint
  feed::placement_session placement;
  std::map<uint32_t, held_index> held;  // by index id
  static inline const char* name = "ropekv.indexer.coordinator";
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

pb::IndexQueryReply not_held(uint32_t index) {
  pb::IndexQueryReply r;
  r.mutable_status()->set_error_code(static_cast<uint32_t>(errc::not_found));
  r.mutable_status()->set_message("index " + std::to_string(index) + " is not held by this indexer");
  return r;
}

/// What the placement session asks of the coordinator.
struct indexer_role {
  coordinator_actor* self;
  using register_reply = pb::RegisterIndexerReply;

  pb::RegisterIndexer register_request() const {
    pb::RegisterIndexer req;
    req.mutable_indexer()->set_id(self->state.shared->indexer_id.load());
    req.mutable_indexer()->set_address(self->state.address);
    return req;
  }

  void registered(const pb::RegisterIndexerReply& reply) const {
    auto& st = self->state;
    uint64_t before = st.shared->indexer_id.exchange(reply.indexer_id());
    if (before == reply.indexer_id()) return;
    spdlog::info("event=registered indexer={} address={}", reply.indexer_id(), st.address);
    // Kept across restarts: placement gives a returning indexer its
    // indexes back (and their files are still here).
    if (auto saved = save_indexer_id(st.shared->options, reply.indexer_id()); !saved)
      spdlog::warn("event=indexer_id_not_saved error=\"{}\"", saved.error().message);
  }

  pb::IndexerHeartbeat heartbeat() const {
    pb::IndexerHeartbeat hb;
    hb.set_indexer_id(self->state.shared->indexer_id.load());
    for (const auto& [id, h] : self->state.held) {
      if (!h.last) continue;
      auto* r = hb.add_indexes();
      r->set_index_id(id);
      *r->mutable_state() = *h.last;
    }
    return hb;
  }
};

/// What /metrics shows: the held indexes and their builders' last reports.
void publish_progress(coordinator_actor* self) {
  std::map<uint32_t, index_progress> held;
  for (const auto& [id, h] : self->state.held)
    held.emplace(id, index_progress{h.desc.spec().table(), h.desc.spec().name(),
                                    h.last ? *h.last : pb::IndexReplicaState{}});
  self->state.shared->progress.publish(std::move(held));
}

void tick(coordinator_actor* self) {
  self->state.placement.tick(self, indexer_role{self});
  publish_progress(self);
  self->delayed_send(self, self->state.shared->options.heartbeat, tick_atom_v);
}

void release(coordinator_actor* self, std::map<uint32_t, held_index>::iterator it, const char* why) {
  spdlog::info("event=index_release index={} table={} name={} why={}", it->first, it->second.desc.spec().table(),
               it->second.desc.spec().name(), why);
  self->demonitor(it->second.builder);
  self->send(it->second.builder, drop_atom_v);
  self->state.held.erase(it);
}

void take(coordinator_actor* self, const pb::IndexDescriptor& ix) {
  auto& st = self->state;
  held_index h;
  h.desc = ix;
  h.builder = spawn_index_builder(self->home_system(), st.shared, caf::actor_cast<caf::actor>(self), ix);
  self->monitor(h.builder);
  // Builders stop with the coordinator (a stopped indexer reads no feeds);
  // not linked: a builder that fails must not take the others down.
  self->attach_functor([builder = caf::actor_addr(h.builder.address())](const caf::error&) {
    if (auto b = caf::actor_cast<caf::actor>(builder)) caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  });
  spdlog::info("event=index_taken index={} table={} name={} attribute={}", ix.id(), ix.spec().table(),
               ix.spec().name(), ix.spec().attribute());
  st.held.emplace(ix.id(), std::move(h));
}

void update_indexes(coordinator_actor* self, const pb::RopeUpdate& update) {
  auto& st = self->state;
  uint64_t me = st.shared->indexer_id.load();
  if (me == 0) return;
  std::map<uint32_t, const pb::IndexDescriptor*> mine;
  for (const auto& ix : update.indexes())
    for (const auto& r : ix.replicas())
      if (r.indexer_id() == me) mine.emplace(ix.id(), &ix);
  for (auto it = st.held.begin(); it != st.held.end();) {
    auto next = std::next(it);
    auto m = mine.find(it->first);
    if (m == mine.end()) release(self, it, "unassigned");
    it = next;
  }
  for (const auto& [id, ix] : mine)
    if (!st.held.count(id)) take(self, *ix);
}

}  // namespace

caf::actor spawn_coordinator(caf::actor_system& sys, std::shared_ptr<indexer_shared> shared,
                             coordinator_config config) {
  return sys.spawn([shared, config](coordinator_actor* self) -> caf::behavior {
    auto& st = self->state;
    st.shared = shared;
    st.placement = feed::placement_session{{config.placement_address, config.placement_handle},
                                           shared->cluster->options};
    self->set_down_handler([self](caf::down_msg& msg) {
      auto& st = self->state;
      if (st.placement.on_down(msg.source)) return;
      for (auto it = st.held.begin(); it != st.held.end(); ++it) {
        if (it->second.builder.address() != msg.source) continue;
        // A builder that died on its own (a bug, not a release): run a new one.
        spdlog::error("event=index_builder_down index={} reason=\"{}\"", it->first, caf::to_string(msg.reason));
        pb::IndexDescriptor desc = it->second.desc;
        st.held.erase(it);
        take(self, desc);
        return;
      }
    });
    return {
        [self](listen_atom, std::string& address) {
          self->state.address = std::move(address);
          tick(self);
        },
        [self](tick_atom) { tick(self); },
        [self](pb::RopeUpdate& update) { update_indexes(self, update); },
        [self](pb::IndexReport& rep) {
          auto it = self->state.held.find(rep.index_id());
          if (it != self->state.held.end()) it->second.last = std::move(*rep.mutable_state());
        },
        [self](pb::IndexQueryRequest& q) -> caf::result<caf::message> {
          auto it = self->state.held.find(q.index_id());
          if (it == self->state.held.end()) return caf::make_message(not_held(q.index_id()));
          return self->delegate(it->second.builder, std::move(q));
        },
    };
  });
}

}  // namespace ropekv::indexer
