#pragma once
// gateway: the notifier's main actor (DESIGN §1, §7; docs/notifier.md).
//
// It is what placement and other notifiers see (net::notifier_actor:
// RopeUpdates, channel messages, presence), and what the WebSocket server
// feeds: every frame of every connection arrives here as
// (ws_text_atom, conn, text), so per-connection bookkeeping needs no lock.
//
//   * subscriptions: checked here (table exists, id unique, per-connection
//     limit), then handed to the table's table_tail actor (spawned on
//     first use, stopped when its last subscription ends), which answers
//     `subscribed` and sends the events itself;
//   * channels: join/leave/members/publish on a channel_registry; a publish
//     reaches local members at once and every other live notifier (from
//     placement's list) as a pb::ChannelMessage; members asks them all;
//   * placement: registers (RegisterNotifier with its CAF address and WS
//     URL), heartbeats with the delivery state of its webhooks, re-registers
//     when placement forgets it, and runs a hook_worker for each hook
//     placement assigns to it.
#include <caf/typed_actor.hpp>

#include <memory>
#include <optional>

#include "notifier_shared.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::notifier {

using gateway_actor = net::notifier_actor::extend<
    caf::reacts_to<ws_open_atom, uint64_t, std::string>,   // conn, remote address
    caf::reacts_to<ws_text_atom, uint64_t, std::string>,   // conn, frame
    caf::reacts_to<ws_close_atom, uint64_t>,               // conn
    caf::reacts_to<detach_atom, uint64_t, std::string>,    // a tail ended subscription (conn, id)
    caf::reacts_to<pb::HookReport>,                        // a hook worker's state
    caf::reacts_to<listen_atom, std::string>,              // own CAF address, once published
    caf::reacts_to<tick_atom>>;                            // heartbeat / reconnect timer

struct gateway_config {
  std::string placement_address;                 // host:port
  std::optional<net::placement_actor> placement_handle;  // in-process instead
};

gateway_actor spawn_gateway(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                            gateway_config config);

}  // namespace ropekv::notifier
