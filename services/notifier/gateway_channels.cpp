// Channels: clients talk to each other by name, across notifier instances.
// A publish goes to the local members at once and to every other live
// notifier (placement's list) as a pb::ChannelMessage, which each delivers
// to its own members. Delivery is at-most-once (a notifier that dies loses
// its own connections' messages): channels are for live chatter, feeds for
// what must not be lost.
#include <caf/io/middleman.hpp>
#include <spdlog/spdlog.h>

#include "gateway_state.hpp"
#include "owner_directory.hpp"
#include "ropekv/notify/server_frames.hpp"
#include "ropekv/net/cluster_tls.hpp"

namespace ropekv::notifier {
namespace {

using notify::frame_errc;

/// Publishes a peer cannot take yet (still connecting) wait here, bounded.
constexpr size_t max_queued_per_peer = 1'000;

void connect_peer(gateway_pointer self, uint64_t id) {
  auto& p = self->state.peers.at(id);
  if (p.handle || p.connecting) return;
  std::string host;
  uint16_t port = 0;
  if (!router::split_address(p.address, host, port)) return;
  p.connecting = true;
  auto mm = net::cluster_middleman(self->home_system());
  self->request(mm, self->state.shared->options.peer_timeout, caf::connect_atom_v, host, port)
      .then(
          [self, id](caf::node_id&, caf::strong_actor_ptr& handle, std::set<std::string>&) {
            auto it = self->state.peers.find(id);
            if (it == self->state.peers.end()) return;
            auto& p = it->second;
            p.connecting = false;
            if (!handle) return;
            p.handle = caf::actor_cast<net::notifier_peer>(handle);
            self->monitor(p.handle);
            spdlog::info("event=peer_connected notifier={} address={}", id, p.address);
            for (auto& m : p.queued) self->send(p.handle, std::move(m));
            p.queued.clear();
          },
          [self, id](caf::error& err) {
            auto it = self->state.peers.find(id);
            if (it == self->state.peers.end()) return;
            it->second.connecting = false;
            it->second.queued.clear();
            spdlog::warn("event=peer_connect_failed notifier={} error=\"{}\"", id, caf::to_string(err));
          });
}

}  // namespace

void update_peers(gateway_pointer self, const pb::RopeUpdate& update) {
  auto& st = self->state;
  uint64_t me = st.shared->notifier_id.load();
  std::map<uint64_t, std::string> live;
  for (const auto& n : update.notifiers()) {
    if (n.id() != me) live.emplace(n.id(), n.address());
  }
  std::erase_if(st.peers, [&](const auto& kv) {
    auto it = live.find(kv.first);
    return it == live.end() || it->second != kv.second.address;
  });
  for (auto& [id, address] : live) {
    auto [it, added] = st.peers.try_emplace(id);
    if (added) it->second.address = address;
    connect_peer(self, id);
  }
}

void handle_join(gateway_pointer self, uint64_t conn, const notify::join_request& req) {
  switch (self->state.channels.join(req.channel, notify::connection_id{conn})) {
    case notify::join_outcome::too_many_channels:
      return send_to_client(self, conn,
                        notify::write_error(frame_errc::too_many_channels,
                                            "at most " +
                                                std::to_string(self->state.channels.max_channels_per_connection()) +
                                                " channels per connection"));
    default:
      return send_to_client(self, conn, notify::write_joined(req.channel));
  }
}

void handle_leave(gateway_pointer self, uint64_t conn, const notify::leave_request& req) {
  self->state.channels.leave(req.channel, notify::connection_id{conn});
  send_to_client(self, conn, notify::write_left(req.channel));
}

void deliver_channel_message(gateway_pointer self, const pb::ChannelMessage& msg) {
  auto& st = self->state;
  auto members = st.channels.members(msg.channel());
  if (members.empty()) return;
  auto frame = notify::write_message(msg.channel(), msg.from(), msg.data());
  for (auto conn : members) {
    send_to_client(self, conn.value, frame);
    ++st.shared->counters.channel_messages;
  }
}

void handle_publish(gateway_pointer self, uint64_t conn, const notify::publish_request& req) {
  auto& st = self->state;
  pb::ChannelMessage msg;
  msg.set_channel(req.channel);
  msg.set_from(member_name(st, conn));
  msg.set_data(req.data);
  msg.set_origin(st.shared->notifier_id.load());
  deliver_channel_message(self, msg);
  for (auto& [id, p] : st.peers) {
    if (p.handle) {
      self->send(p.handle, msg);
    } else if (p.queued.size() < max_queued_per_peer) {
      p.queued.push_back(msg);
      connect_peer(self, id);
    }
  }
}

pb::PresenceReply local_presence(gateway_pointer self, const std::string& channel) {
  pb::PresenceReply r;
  for (auto conn : self->state.channels.members(channel)) *r.add_members() = member_name(self->state, conn.value);
  return r;
}

void handle_members(gateway_pointer self, uint64_t conn, const notify::members_request& req) {
  auto& st = self->state;
  struct gather {
    std::vector<std::string> members;
    size_t waiting = 0;
  };
  auto g = std::make_shared<gather>();
  auto local = local_presence(self, req.channel);
  for (auto& m : local.members()) g->members.push_back(m);
  auto finish = [self, conn, channel = req.channel, g] {
    std::sort(g->members.begin(), g->members.end());
    send_to_client(self, conn, notify::write_members(channel, g->members));
  };
  for (auto& [id, p] : st.peers) {
    if (!p.handle) continue;
    ++g->waiting;
    pb::PresenceRequest ask;
    ask.set_channel(req.channel);
    // A peer that does not answer in time is left out, not waited for.
    self->request(p.handle, st.shared->options.peer_timeout, std::move(ask))
        .then(
            [g, finish](pb::PresenceReply& r) {
              for (auto& m : r.members()) g->members.push_back(m);
              if (--g->waiting == 0) finish();
            },
            [g, finish](caf::error&) {
              if (--g->waiting == 0) finish();
            });
  }
  if (g->waiting == 0) finish();
}

}  // namespace ropekv::notifier
