#include "placement_front.hpp"

#include <caf/all.hpp>
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "placement_actor.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::placement_service {
namespace {

// Local to placement instances (CAF 0.17 atoms need no type id).
using forward_atom = caf::atom_constant<caf::atom("rk_plfwd")>;   // front -> leader's front
using raft_out_atom = caf::atom_constant<caf::atom("rk_plout")>;  // group thread -> front
using view_atom = caf::atom_constant<caf::atom("rk_plview")>;     // group thread -> front
using expire_atom = caf::atom_constant<caf::atom("rk_plexp")>;    // the stash's timer

struct stashed {
  caf::message msg;
  caf::response_promise rp;
  bool forwarded;
  std::chrono::steady_clock::time_point since;
};

struct front_state {
  placement_front_config config;
  group_view view;
  net::placement_actor server;  // ours, while we lead
  bool starting = false;
  std::map<std::string, caf::actor> peers;  // address -> that instance's front
  std::set<std::string> connecting;
  caf::actor leader;  // the leader's front, when another instance leads
  std::string leader_address;
  std::vector<stashed> stash;
  std::vector<net::rope_subscriber> subscribers;  // subscribed through us
  ~front_state() {
    if (server) caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  }
  static inline const char* name = "ropekv.placement.front";
};

using front_ptr = caf::stateful_actor<front_state>*;

bool split_host_port(const std::string& address, std::string& host, uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  try {
    port = static_cast<uint16_t>(std::stoul(address.substr(colon + 1)));
  } catch (...) {
    return false;
  }
  return !host.empty() && port != 0;
}

void flush_stash(front_ptr self);
void resubscribe(front_ptr self);

void adopt_leader(front_ptr self) {
  auto& st = self->state;
  const auto& v = st.view;
  bool remote = !v.leading && v.leader_id != 0 && v.leader_id != st.config.group->id() && !v.leader_address.empty();
  if (!remote) {
    st.leader = nullptr;
    st.leader_address.clear();
    return;
  }
  if (st.leader_address == v.leader_address && st.leader) return;
  st.leader_address = v.leader_address;
  auto it = st.peers.find(v.leader_address);
  st.leader = it == st.peers.end() ? nullptr : it->second;
  if (st.leader) resubscribe(self);
}

void connect_peer(front_ptr self, const std::string& address) {
  auto& st = self->state;
  if (st.peers.count(address) || st.connecting.count(address)) return;
  std::string host;
  uint16_t port = 0;
  if (!split_host_port(address, host, port)) return;
  st.connecting.insert(address);
  auto mm = net::cluster_middleman(self->home_system());  // TLS under --cluster-ca (cluster_tls.hpp)
  self->request(mm, std::chrono::seconds(5), caf::connect_atom_v, host, port)
      .then(
          [self, address](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            auto& st = self->state;
            st.connecting.erase(address);
            if (!handle) return;
            auto peer = caf::actor_cast<caf::actor>(handle);
            st.peers[address] = peer;
            self->monitor(peer);
            spdlog::info("event=placement_peer_connected address={}", address);
            if (address == st.view.leader_address) {
              adopt_leader(self);
              flush_stash(self);
            }
          },
          [self, address](caf::error&) { self->state.connecting.erase(address); });
}

/// Where a message goes now: the local server, the leader's front (unless
/// it was forwarded to us already), or the stash.
void route(front_ptr self, caf::message msg, bool forwarded, caf::response_promise rp,
           std::chrono::steady_clock::time_point since = std::chrono::steady_clock::now()) {
  auto& st = self->state;
  if (st.server) {
    rp.delegate(caf::actor_cast<caf::actor>(st.server), std::move(msg));
    return;
  }
  if (!forwarded && st.leader) {
    rp.delegate(st.leader, forward_atom::value, std::move(msg));
    return;
  }
  if (!forwarded && !st.view.leader_address.empty() && !st.view.leading) connect_peer(self, st.view.leader_address);
  st.stash.push_back({std::move(msg), std::move(rp), forwarded, since});
}

void flush_stash(front_ptr self) {
  auto& st = self->state;
  if (!st.server && !st.leader) return;
  auto waiting = std::move(st.stash);
  st.stash.clear();
  for (auto& s : waiting) route(self, std::move(s.msg), s.forwarded, std::move(s.rp), s.since);
}

// The new leader does not know the subscribers that came through us:
// subscribe them there and push them the full rope it answers.
void resubscribe(front_ptr self) {
  auto& st = self->state;
  for (const auto& sub : st.subscribers) {
    auto push = [self, sub](pb::RopeUpdate& update) { self->send(sub, std::move(update)); };
    auto failed = [](caf::error& err) {
      spdlog::warn("event=resubscribe_failed error=\"{}\"", caf::to_string(err));
    };
    if (st.server) {
      self->request(st.server, std::chrono::seconds(10), subscribe_atom_v, sub).then(push, failed);
    } else if (st.leader) {
      self->request(st.leader, std::chrono::seconds(10), forward_atom::value,
                    caf::make_message(subscribe_atom_v, sub))
          .then(push, failed);
    }
  }
}

void spawn_server(front_ptr self) {
  auto& st = self->state;
  if (st.server || st.starting) return;
  st.starting = true;
  auto group = st.config.group;
  auto path = st.config.catalog_path;
  auto options = st.config.options;
  auto opener = [group, path, options]() -> result<std::unique_ptr<placement_state>> {
    auto db = catalog::catalog_db::open(path);
    if (!db) return std::move(db).error();
    if (auto s = (*db)->replicate_through(group->replicator()); !s) return s.error();
    return placement_state::open(std::move(*db), options, std::chrono::steady_clock::now());
  };
  st.server = spawn_placement(self->home_system(), opener);
  st.starting = false;
  self->monitor(st.server);
  spdlog::info("event=placement_leading term={}", st.view.term);
  resubscribe(self);
  flush_stash(self);
}

void on_view(front_ptr self) {
  auto& st = self->state;
  st.view = st.config.group->view();
  if (st.view.ready) {
    spawn_server(self);
  } else if (st.server) {
    spdlog::info("event=placement_not_leading term={} leader={}", st.view.term, st.view.leader_id);
    self->send_exit(st.server, caf::exit_reason::user_shutdown);
    st.server = nullptr;
  }
  adopt_leader(self);
  if (!st.leader && !st.view.leading && !st.view.leader_address.empty()) connect_peer(self, st.view.leader_address);
  flush_stash(self);
}

caf::behavior front_impl(front_ptr self, placement_front_config config) {
  auto& st = self->state;
  st.config = std::move(config);
  // The group thread only ever hands messages to this actor (weakly held:
  // the front owns the group).
  auto me = caf::actor_cast<caf::weak_actor_ptr>(self);
  st.config.group->start(
      [me](std::string address, pb::RaftEnvelope env) {
        if (auto strong = me.lock())
          caf::anon_send(caf::actor_cast<caf::actor>(strong), raft_out_atom::value, std::move(address), std::move(env));
      },
      [me](const group_view&) {
        if (auto strong = me.lock()) caf::anon_send(caf::actor_cast<caf::actor>(strong), view_atom::value);
      });
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (st.server && st.server.address() == msg.source) {
      spdlog::warn("event=placement_server_down reason=\"{}\"", caf::to_string(msg.reason));
      st.server = nullptr;
      // Still leading: rebuild from the committed catalog, a moment later.
      self->delayed_send(self, std::chrono::milliseconds(200), view_atom::value);
      return;
    }
    for (auto it = st.peers.begin(); it != st.peers.end(); ++it) {
      if (it->second.address() == msg.source) {
        if (st.leader == it->second) st.leader = nullptr;
        st.peers.erase(it);
        break;
      }
    }
    auto& subs = st.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(),
                              [&](const net::rope_subscriber& s) { return s.address() == msg.source; }),
               subs.end());
  });
  // Every other message is a placement request: route it.
  self->set_default_handler([self](caf::scheduled_actor*, caf::message_view& xs) -> caf::result<caf::message> {
    route(self, xs.move_content_to_message(), false, self->make_response_promise());
    return caf::delegated<caf::message>{};
  });
  self->delayed_send(self, std::chrono::milliseconds(200), expire_atom::value);
  return {
      [self](pb::RaftEnvelope& env) {
        if (env.segment_id() == 0) self->state.config.group->receive(std::move(env));
      },
      [self](raft_out_atom, std::string& address, pb::RaftEnvelope& env) {
        auto& st = self->state;
        auto it = st.peers.find(address);
        if (it != st.peers.end()) self->send(it->second, std::move(env));
        else connect_peer(self, address);  // dropped: Raft retries
      },
      [self](view_atom) { on_view(self); },
      [self](forward_atom, caf::message& inner) -> caf::result<caf::message> {
        route(self, std::move(inner), true, self->make_response_promise());
        return caf::delegated<caf::message>{};
      },
      [self](subscribe_atom, net::rope_subscriber& sub) -> caf::result<caf::message> {
        auto& st = self->state;
        if (sub && std::find(st.subscribers.begin(), st.subscribers.end(), sub) == st.subscribers.end()) {
          st.subscribers.push_back(sub);
          self->monitor(sub);
        }
        route(self, caf::make_message(subscribe_atom_v, std::move(sub)), false, self->make_response_promise());
        return caf::delegated<caf::message>{};
      },
      [self](expire_atom) {
        auto& st = self->state;
        auto now = std::chrono::steady_clock::now();
        auto limit = st.config.stash_limit;
        std::vector<stashed> keep;
        for (auto& s : st.stash) {
          if (now - s.since < limit) keep.push_back(std::move(s));
          else s.rp.deliver(caf::make_error(caf::sec::request_timeout));
        }
        st.stash = std::move(keep);
        flush_stash(self);
        self->delayed_send(self, std::chrono::milliseconds(200), expire_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_placement_front(caf::actor_system& sys, placement_front_config config) {
  return sys.spawn(front_impl, std::move(config));
}

}  // namespace ropekv::placement_service
