// The gateway and placement: registration, heartbeats, and the webhooks
// placement assigns to this notifier.
//
// Placement knows a notifier by the id it handed out; the first
// RegisterNotifier asks for one (id 0), later ones (after placement
// restarted or declared this notifier dead) keep it. Heartbeats carry the
// delivery state of every hook held here, which is how placement can give a
// hook to another notifier at the last reported cursor when this one dies.
#include <spdlog/spdlog.h>

#include "gateway_state.hpp"
#include "hook_worker.hpp"

namespace ropekv::notifier {
namespace {

/// What the placement session asks of the gateway.
struct notifier_role {
  gateway_pointer self;
  using register_reply = pb::RegisterNotifierReply;

  pb::RegisterNotifier register_request() const {
    auto& st = self->state;
    pb::RegisterNotifier req;
    auto* d = req.mutable_notifier();
    d->set_id(st.shared->notifier_id.load());
    d->set_address(st.address);
    d->set_ws_url(st.shared->options.ws_url);
    return req;
  }

  void registered(const pb::RegisterNotifierReply& reply) const {
    auto& st = self->state;
    uint64_t before = st.shared->notifier_id.exchange(reply.notifier_id());
    if (before != reply.notifier_id()) {
      spdlog::info("event=registered notifier={} address={} ws_url={}", reply.notifier_id(), st.address,
                   st.shared->options.ws_url);
    }
  }

  pb::NotifierHeartbeat heartbeat() const {
    pb::NotifierHeartbeat hb;
    hb.set_notifier_id(self->state.shared->notifier_id.load());
    for (auto& [name, run] : self->state.hooks) {
      auto* r = hb.add_hooks();
      r->set_name(name);
      *r->mutable_state() = run.state;
    }
    return hb;
  }
};

}  // namespace

void placement_tick(gateway_pointer self) {
  auto& st = self->state;
  if (st.address.empty()) return;  // not published yet
  st.placement.tick(self, notifier_role{self});
  self->delayed_send(self, st.shared->options.heartbeat, tick_atom_v);
}

void on_placement_down(gateway_pointer self, const caf::actor_addr& who) {
  auto& st = self->state;
  if (st.placement.on_down(who)) return;
  for (auto it = st.peers.begin(); it != st.peers.end(); ++it) {
    if (it->second.handle && who == it->second.handle.address()) {
      spdlog::info("event=peer_down notifier={}", it->first);
      it->second.handle = nullptr;
      return;
    }
  }
}

void update_hooks(gateway_pointer self, const pb::RopeUpdate& update) {
  auto& st = self->state;
  uint64_t me = st.shared->notifier_id.load();
  if (me == 0) return;
  std::map<std::string, const pb::Hook*> mine;
  for (const auto& h : update.hooks()) {
    if (h.state().notifier_id() == me) mine.emplace(h.spec().name(), &h);
  }
  for (auto it = st.hooks.begin(); it != st.hooks.end();) {
    auto m = mine.find(it->first);
    bool same = m != mine.end() && m->second->spec().SerializeAsString() == it->second.spec.SerializeAsString();
    if (same) {
      ++it;
      continue;
    }
    spdlog::info("event=hook_released hook={} reason={}", it->first, m == mine.end() ? "unassigned" : "changed");
    self->send_exit(it->second.worker, caf::exit_reason::user_shutdown);
    it = st.hooks.erase(it);
  }
  for (auto& [name, hook] : mine) {
    if (st.hooks.count(name)) continue;
    hook_run run;
    run.spec = hook->spec();
    run.state = hook->state();
    run.worker = spawn_hook_worker(self->home_system(), st.shared, caf::actor_cast<caf::actor>(self), *hook);
    spdlog::info("event=hook_taken hook={} table={} url={}", name, hook->spec().table(), hook->spec().url());
    st.hooks.emplace(name, std::move(run));
  }
  st.shared->counters.hooks_held = st.hooks.size();
}

void stop_hooks(gateway_pointer self) {
  for (auto& [name, run] : self->state.hooks) self->send_exit(run.worker, caf::exit_reason::user_shutdown);
  self->state.hooks.clear();
  self->state.shared->counters.hooks_held = 0;
}

}  // namespace ropekv::notifier
