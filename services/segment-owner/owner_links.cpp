// The owner actor's connections: to placement (connect, register,
// heartbeat, rope subscription) and to the other owners (the handles the
// replica actors send their Raft envelopes to). Every connect goes through
// the middleman's asynchronous connect_atom: no CAF worker ever blocks.
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include "host_port.hpp"
#include "owner_actor_state.hpp"
#include "ropekv/common/errc.hpp"
#include "ropekv/net/cluster_tls.hpp"
#include "ropekv/net/placement_addresses.hpp"

namespace ropekv::segment_owner {
namespace {

using connected_fn = std::function<void(caf::strong_actor_ptr)>;
using failed_fn = std::function<void(std::string)>;

void connect(owner_pointer self, const std::string& address, connected_fn ok, failed_fn fail) {
  auto hp = parse_host_port(address);
  if (!hp) return fail("malformed address '" + address + "'");
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, self->state.opts.call_timeout, caf::connect_atom_v, hp->host, hp->port)
      .then(
          [ok, fail](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            if (!handle) return fail("no actor published there");
            ok(std::move(handle));
          },
          [fail](caf::error& err) { fail(caf::to_string(err)); });
}

void forget_peer(owner_pointer self, node_id node) {
  auto& st = self->state;
  if (st.peer_handles.erase(node.value) == 0) return;
  for (const auto& [group, r] : st.core.replicas()) st.directory->erase(segment_id{group}, node);
}

// --------------------------------------------------------------- placement

void send_heartbeat(owner_pointer self, time_point now) {
  auto& st = self->state;
  auto elapsed = std::chrono::duration<double>(now - st.last_report);
  st.last_report = now;
  auto bytes_of = [](const std::string& path) { return data_dir::replica_bytes(path); };
  pb::Heartbeat hb = st.core.heartbeat(elapsed, bytes_of);
  std::vector<replica_report> reports;
  if (st.opts.on_report) {
    for (const auto& s : hb.segments())
      reports.push_back({s.segment_id(), s.epoch(), s.is_leader(), s.stats().bytes(), s.stats().items()});
  }
  st.session.heartbeat_sent(now);
  self->request(st.placement, st.opts.call_timeout, std::move(hb))
      .then(
          [self, reports = std::move(reports)](pb::Status& status) {
            auto& st = self->state;
            if (status.error_code() == static_cast<uint32_t>(errc::not_found)) {
              spdlog::warn("event=heartbeat_unknown node={} message=\"{}\" action=reregister", st.core.self().value,
                           status.message());
              st.session.heartbeat_unknown();
              return;
            }
            if (status.error_code() != 0)
              spdlog::warn("event=heartbeat_refused node={} message=\"{}\"", st.core.self().value, status.message());
            else if (st.opts.on_report)
              st.opts.on_report(reports);
            st.session.heartbeat_ok();
          },
          [self](caf::error& err) {
            spdlog::warn("event=heartbeat_failed node={} error=\"{}\"", self->state.core.self().value,
                         caf::to_string(err));
            self->state.session.heartbeat_failed();
          });
}

void subscribe(owner_pointer self) {
  auto& st = self->state;
  self->request(st.placement, st.opts.call_timeout, subscribe_atom_v, caf::actor_cast<net::rope_subscriber>(self))
      .then([self](pb::RopeUpdate& u) { on_rope_update(self, u); },
            [](caf::error& err) { spdlog::warn("event=subscribe_failed error=\"{}\"", caf::to_string(err)); });
}

void on_registered(owner_pointer self, node_id id) {
  auto& st = self->state;
  const node_id before = st.core.self();
  if (id != before) {
    // Persist before use: a crash must never leave replicas made under an
    // id that node.id does not hold.
    if (auto s = st.dir->save_node_id(id); !s) {
      spdlog::critical("event=node_id_save_failed node={} error=\"{}\" action=retry", id.value, s.error().message);
      st.session.register_failed(clock::now(), false);
      return;
    }
    if (before.value != 0)
      spdlog::error("event=identity_changed node={} previous={} replicas={} why=\"placement did not know the old id\"",
                    id.value, before.value, st.core.replicas().size());
    st.core.set_self(id);
  }
  st.session.registered(id, clock::now());
  spdlog::info("event=registered node={} address={} new_id={}", id.value, st.address, before != id);
  if (before.value == 0) open_existing(self);
  subscribe(self);
}

void register_node(owner_pointer self) {
  auto& st = self->state;
  pb::RegisterNode req;
  auto* n = req.mutable_node();
  n->set_id(st.session.node().value);
  n->set_address(st.address);
  n->mutable_labels()->set_dc(st.opts.dc);
  n->mutable_labels()->set_rack(st.opts.rack);
  n->mutable_labels()->set_host(st.opts.host_label);
  n->mutable_labels()->set_numa(st.opts.numa);
  n->set_capacity_bytes(st.opts.capacity_bytes);
  st.session.registering();
  self->request(st.placement, st.opts.call_timeout, std::move(req), caf::actor_cast<net::owner_control>(self))
      .then(
          [self](pb::RegisterReply& reply) {
            auto& st = self->state;
            const auto& s = reply.status();
            if (s.error_code() == 0) return on_registered(self, node_id{reply.node_id()});
            bool unknown = s.error_code() == static_cast<uint32_t>(errc::not_found);
            spdlog::warn("event=register_refused node={} message=\"{}\" action={}", st.session.node().value,
                         s.message(), unknown ? "register_with_new_id" : "retry");
            st.session.register_failed(clock::now(), unknown);
          },
          [self](caf::error& err) {
            spdlog::warn("event=register_failed error=\"{}\" action=retry", caf::to_string(err));
            self->state.session.register_failed(clock::now(), false);
          });
}

}  // namespace

void drive_placement(owner_pointer self, time_point now) {
  auto& st = self->state;
  if (st.opts.placement.empty()) return;
  if (st.session.should_connect(now)) {
    st.session.connecting();
    connect(
        self, net::current_placement(st.opts.placement),
        [self](caf::strong_actor_ptr handle) {
          auto& st = self->state;
          st.placement = caf::actor_cast<net::placement_actor>(handle);
          self->monitor(handle);
          st.session.connected();
          spdlog::info("event=placement_connected address={}", st.opts.placement);
          register_node(self);
        },
        [self](std::string why) {
          auto& st = self->state;
          st.session.connect_failed(clock::now());
          spdlog::warn("event=placement_unreachable address={} error=\"{}\" action=retry",
                       net::current_placement(st.opts.placement), why);
          net::rotate_placement(st.opts.placement);  // the next placement instance
        });
    return;
  }
  if (st.session.should_register(now)) return register_node(self);
  if (st.session.should_heartbeat(now)) send_heartbeat(self, now);
}

// ------------------------------------------------------------------- peers

void learn_peer(owner_pointer self, const pb::NodeDescriptor& node) {
  auto& st = self->state;
  if (node.id() == 0 || node_id{node.id()} == st.core.self()) return;
  if (st.peers.learn(node_id{node.id()}, node.address())) {
    spdlog::info("event=peer_moved node={} address={} action=reconnect", node.id(), node.address());
    forget_peer(self, node_id{node.id()});
  }
}

void on_rope_update(owner_pointer self, const pb::RopeUpdate& update) {
  for (const auto& n : update.nodes()) learn_peer(self, n);
}

void publish_peers(owner_pointer self, segment_id group) {
  auto& st = self->state;
  for (const auto& [node, handle] : st.peer_handles) st.directory->put(group, node_id{node}, handle);
}

void connect_peers(owner_pointer self, time_point now) {
  auto& st = self->state;
  for (auto& [node, address] : st.peers.start_due(st.core.peers(), now)) {
    connect(
        self, address,
        [self, node = node, address = address](caf::strong_actor_ptr handle) {
          auto& st = self->state;
          if (!st.peers.connected(node, address)) return;  // it moved meanwhile
          auto peer = caf::actor_cast<net::segment_actor>(handle);
          self->monitor(handle);
          st.peer_handles[node.value] = peer;
          for (const auto& [group, r] : st.core.replicas()) st.directory->put(segment_id{group}, node, peer);
          spdlog::info("event=peer_connected node={} address={}", node.value, address);
        },
        [self, node = node, address = address](std::string why) {
          self->state.peers.connect_failed(node, address, clock::now());
          spdlog::warn("event=peer_unreachable node={} address={} error=\"{}\" action=retry", node.value, address, why);
        });
  }
}

bool on_link_down(owner_pointer self, const caf::actor_addr& source) {
  auto& st = self->state;
  if (st.placement && st.placement.address() == source) {
    st.placement = nullptr;
    st.session.lost(clock::now());
    spdlog::warn("event=placement_down address={} action=reconnect data_path=serving",
                 net::current_placement(st.opts.placement));
    net::rotate_placement(st.opts.placement);  // the next placement instance
    return true;
  }
  for (const auto& [node, handle] : st.peer_handles) {
    if (handle.address() != source) continue;
    node_id n{node};
    forget_peer(self, n);
    st.peers.lost(n, clock::now());
    spdlog::warn("event=peer_down node={} action=reconnect", n.value);
    return true;
  }
  return false;
}

void learn_return_path(owner_pointer self, const pb::RaftEnvelope& envelope) {
  auto& st = self->state;
  auto sender = self->current_sender();
  if (!sender || sender->node() == self->node()) return;
  segment_id group{envelope.segment_id()};
  node_id from{envelope.from_node()};
  if (from.value == 0 || from == st.core.self()) return;
  if (auto known = st.directory->find(group, from)) {
    auto ptr = caf::actor_cast<caf::strong_actor_ptr>(*known);
    if (ptr && ptr->node() == sender->node()) return;
  }
  st.directory->put(group, from, caf::actor_cast<net::segment_actor>(sender));
  spdlog::info("event=peer_return_path group={} node={} via=sender", group.value, from.value);
}

}  // namespace ropekv::segment_owner
