// The gateway and placement: registration, heartbeats, and the webhooks
// placement assigns to this notifier.
//
// Placement knows a notifier by the id it handed out; the first
// RegisterNotifier asks for one (id 0), later ones (after placement
// restarted or declared this notifier dead) keep it. Heartbeats carry the
// delivery state of every hook held here, which is how placement can give a
// hook to another notifier at the last reported cursor when this one dies.
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include "gateway_state.hpp"
#include "hook_worker.hpp"
#include "owner_directory.hpp"

namespace ropekv::notifier {
namespace {

void register_notifier(gateway_pointer self);

void schedule_tick(gateway_pointer self) {
  self->delayed_send(self, self->state.shared->options.heartbeat, tick_atom_v);
}

void connect(gateway_pointer self) {
  auto& st = self->state;
  if (st.placement || st.connecting) return;
  if (st.config.placement_handle) {
    st.placement = *st.config.placement_handle;
    self->monitor(st.placement);
    return register_notifier(self);
  }
  std::string host;
  uint16_t port = 0;
  if (!router::split_address(st.config.placement_address, host, port)) {
    spdlog::error("event=bad_placement_address address={}", st.config.placement_address);
    return;
  }
  st.connecting = true;
  auto mm = self->home_system().middleman().actor_handle();
  self->request(mm, st.shared->cluster->options.connect_timeout, caf::connect_atom_v, host, port)
      .then(
          [self](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            auto& st = self->state;
            st.connecting = false;
            if (!handle) return;
            st.placement = caf::actor_cast<net::placement_actor>(handle);
            self->monitor(st.placement);
            register_notifier(self);
          },
          [self](caf::error& err) {
            self->state.connecting = false;
            spdlog::warn("event=placement_connect_failed address={} error=\"{}\"",
                         self->state.config.placement_address, caf::to_string(err));
          });
}

void register_notifier(gateway_pointer self) {
  auto& st = self->state;
  if (st.registering) return;
  st.registering = true;
  pb::RegisterNotifier req;
  auto* d = req.mutable_notifier();
  d->set_id(st.shared->notifier_id.load());
  d->set_address(st.address);
  d->set_ws_url(st.shared->options.ws_url);
  self->request(st.placement, st.shared->cluster->options.admin_timeout, std::move(req),
                caf::actor_cast<net::rope_subscriber>(self))
      .then(
          [self](pb::RegisterNotifierReply& reply) {
            auto& st = self->state;
            st.registering = false;
            if (reply.status().error_code() != 0) {
              spdlog::warn("event=register_refused error=\"{}\"", reply.status().message());
              return;
            }
            uint64_t before = st.shared->notifier_id.exchange(reply.notifier_id());
            st.registered = true;
            if (before != reply.notifier_id()) {
              spdlog::info("event=registered notifier={} address={} ws_url={}", reply.notifier_id(), st.address,
                           st.shared->options.ws_url);
            }
          },
          [self](caf::error& err) {
            self->state.registering = false;
            spdlog::warn("event=register_failed error=\"{}\"", caf::to_string(err));
          });
}

void heartbeat(gateway_pointer self) {
  auto& st = self->state;
  pb::NotifierHeartbeat hb;
  hb.set_notifier_id(st.shared->notifier_id.load());
  for (auto& [name, run] : st.hooks) {
    auto* r = hb.add_hooks();
    r->set_name(name);
    *r->mutable_state() = run.state;
  }
  self->request(st.placement, st.shared->cluster->options.admin_timeout, std::move(hb))
      .then(
          [self](pb::Status& s) {
            if (static_cast<errc>(s.error_code()) == errc::not_found) {
              // Placement forgot us (restarted, or took us for dead).
              self->state.registered = false;
              register_notifier(self);
            }
          },
          [](caf::error&) {});
}

}  // namespace

void placement_tick(gateway_pointer self) {
  auto& st = self->state;
  if (st.address.empty()) return;  // not published yet
  if (!st.placement) {
    connect(self);
  } else if (!st.registered) {
    register_notifier(self);
  } else {
    heartbeat(self);
  }
  schedule_tick(self);
}

void on_placement_down(gateway_pointer self, const caf::actor_addr& who) {
  auto& st = self->state;
  if (st.placement && who == st.placement.address()) {
    spdlog::warn("event=placement_down");
    st.placement = nullptr;
    st.registered = false;
    return;
  }
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
}

void stop_hooks(gateway_pointer self) {
  for (auto& [name, run] : self->state.hooks) self->send_exit(run.worker, caf::exit_reason::user_shutdown);
  self->state.hooks.clear();
}

}  // namespace ropekv::notifier
