#pragma once
// The gateway's state and the parts of its behavior, one file each
// (gateway.cpp: frames; gateway_channels.cpp: channels across notifiers;
// gateway_placement.cpp: registration, heartbeat, hooks).
#include <caf/all.hpp>

#include <deque>
#include <map>
#include <set>
#include <string>

#include "gateway.hpp"
#include "placement_session.hpp"
#include "ropekv/notify/channel_registry.hpp"
#include "ropekv/notify/frame_protocol.hpp"

namespace ropekv::notifier {

struct connection_info {
  std::string remote;
  std::map<std::string, uint32_t> subs;  // client id (raw JSON) -> table id
};

struct peer {
  std::string address;
  net::notifier_peer handle;              // invalid while connecting
  bool connecting = false;
  std::deque<pb::ChannelMessage> queued;  // publishes waiting for the connect
};

struct hook_run {
  pb::HookSpec spec;
  caf::actor worker;
  pb::HookState state;                    // last reported by the worker
};

struct gateway_state {
  std::shared_ptr<notifier_shared> shared;
  std::string address;                    // own CAF endpoint, host:port

  std::map<uint64_t, connection_info> conns;
  notify::channel_registry channels;
  std::map<uint32_t, caf::actor> tails;   // table id -> its tail
  std::map<uint32_t, size_t> tail_subs;   // table id -> subscriptions on it

  // Registration and heartbeats (gateway_placement.cpp).
  feed::placement_session placement;

  // Other notifiers (from placement's list), by id.
  std::map<uint64_t, peer> peers;
  // Webhooks this notifier holds, by name.
  std::map<std::string, hook_run> hooks;

  static inline const char* name = "ropekv.notifier.gateway";
};

using gateway_pointer = gateway_actor::stateful_pointer<gateway_state>;

/// Queues a frame to a client; a connection too far behind is closed
/// with `slow_consumer`.
void send_to_client(gateway_pointer self, uint64_t conn, std::string frame);
/// "notifier id:connection id": unique across instances.
std::string member_name(const gateway_state& st, uint64_t conn);

// gateway_channels.cpp
void handle_join(gateway_pointer self, uint64_t conn, const notify::join_request& req);
void handle_leave(gateway_pointer self, uint64_t conn, const notify::leave_request& req);
void handle_publish(gateway_pointer self, uint64_t conn, const notify::publish_request& req);
void handle_members(gateway_pointer self, uint64_t conn, const notify::members_request& req);
void deliver_channel_message(gateway_pointer self, const pb::ChannelMessage& msg);
pb::PresenceReply local_presence(gateway_pointer self, const std::string& channel);
/// Connects to new notifiers, forgets gone ones.
void update_peers(gateway_pointer self, const pb::RopeUpdate& update);

// gateway_placement.cpp
void placement_tick(gateway_pointer self);
void on_placement_down(gateway_pointer self, const caf::actor_addr& who);
/// Starts, restarts or stops hook workers for the hooks assigned here.
void update_hooks(gateway_pointer self, const pb::RopeUpdate& update);
void stop_hooks(gateway_pointer self);

}  // namespace ropekv::notifier
