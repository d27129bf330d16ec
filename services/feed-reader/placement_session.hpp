#pragma once
// placement_session: a service's membership in placement's list (DESIGN §7),
// kept by the notifier's gateway and the indexer's coordinator.
//
// Placement knows such a service by the id it handed out; the first
// registration asks for one (id 0), later ones (after placement restarted or
// declared the service dead) keep it. Each registration names the owning
// actor as the rope_subscriber that RopeUpdates go to. At each tick of the
// owner's timer the session connects to placement ("host:port" through the
// middleman, or the in-process handle) and monitors it, or registers, or
// sends a heartbeat; a heartbeat answered not_found, or placement going down,
// means registering again.
//
// What differs between services is a Role, a small value the owner passes
// to tick() (it is copied into the response handlers):
//
//   struct indexer_role {
//     coordinator_actor* self;
//     using register_reply = pb::RegisterIndexerReply;
//     pb::RegisterIndexer register_request() const;     // id kept, address
//     void registered(const pb::RegisterIndexerReply&) const;  // accepted
//     pb::IndexerHeartbeat heartbeat() const;
//   };
//
// Owns: the placement handle and the connecting / registering / registered
// flags. Who touches it: the one actor whose state holds it, from its timer
// (tick) and its down handler (on_down); not thread-safe. Its response
// handlers refer to it, so it must live as long as the actor (in its state).
// Invariant: registered implies a placement handle.
//
// Log events: bad_placement_address, placement_connect_failed,
// register_refused, register_failed, placement_down; `registered` is the
// role's to log (it knows what to say about itself).
#include <caf/actor_addr.hpp>
#include <caf/error.hpp>
#include <caf/io/middleman.hpp>
#include <caf/local_actor.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "placement_link.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "router_shared.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::feed {

class placement_session {
 public:
  placement_session() = default;
  /// Placement is target.handle when set (in-process, ropekv-dev), else at
  /// target.address. Connects within options.connect_timeout; registrations
  /// and heartbeats wait options.admin_timeout for their answer.
  placement_session(router::placement_link_config target, const router::router_options& options);

  /// One step of the owner's timer: connect when there is no placement
  /// handle, register when not registered, send a heartbeat otherwise.
  template <class Self, class Role>
  void tick(Self* self, const Role& role);

  /// For the owner's down handler: true when `who` is placement (the
  /// session then starts over at the next tick), false for anyone else.
  bool on_down(const caf::actor_addr& who);

  /// Forgets placement (the owner is stopping).
  void reset();

 private:
  template <class Self, class Role>
  void connect(Self* self, const Role& role);
  template <class Self, class Role>
  void register_with(Self* self, const Role& role);
  template <class Self, class Role>
  void heartbeat(Self* self, const Role& role);

  /// Takes `handle` as placement and monitors it.
  void adopt(caf::local_actor* self, net::placement_actor handle);
  /// false (logged) when the target address is not host:port.
  bool split_target(std::string& host, uint16_t& port) const;
  void connect_failed(const caf::error& err);
  /// false (logged) when placement refused the registration.
  bool accepted(const pb::Status& status) const;
  void register_failed(const caf::error& err);

  router::placement_link_config target_;
  std::chrono::milliseconds connect_timeout_{2'000};
  std::chrono::milliseconds request_timeout_{5'000};
  net::placement_actor placement_;
  bool connecting_ = false;
  bool registering_ = false;
  bool registered_ = false;
};

template <class Self, class Role>
void placement_session::tick(Self* self, const Role& role) {
  if (!placement_) connect(self, role);
  else if (!registered_) register_with(self, role);
  else heartbeat(self, role);
}

template <class Self, class Role>
void placement_session::connect(Self* self, const Role& role) {
  if (placement_ || connecting_) return;
  if (target_.handle) {
    adopt(self, *target_.handle);
    return register_with(self, role);
  }
  std::string host;
  uint16_t port = 0;
  if (!split_target(host, port)) return;
  connecting_ = true;
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, connect_timeout_, caf::connect_atom_v, host, port)
      .then(
          [self, this, role](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            connecting_ = false;
            if (!handle) return;
            adopt(self, caf::actor_cast<net::placement_actor>(handle));
            register_with(self, role);
          },
          [this](caf::error& err) { connect_failed(err); });
}

template <class Self, class Role>
void placement_session::register_with(Self* self, const Role& role) {
  if (registering_ || !placement_) return;
  registering_ = true;
  self->request(placement_, request_timeout_, role.register_request(), caf::actor_cast<net::rope_subscriber>(self))
      .then(
          [this, role](typename Role::register_reply& reply) {
            registering_ = false;
            if (!accepted(reply.status())) return;
            registered_ = true;
            role.registered(reply);
          },
          [this](caf::error& err) { register_failed(err); });
}

template <class Self, class Role>
void placement_session::heartbeat(Self* self, const Role& role) {
  self->request(placement_, request_timeout_, role.heartbeat())
      .then(
          [self, this, role](pb::Status& s) {
            if (static_cast<errc>(s.error_code()) == errc::not_found) {
              registered_ = false;  // placement restarted, or took us for dead
              register_with(self, role);
            }
          },
          [](caf::error&) {});
}

}  // namespace ropekv::feed
