#pragma once
// hook_worker: delivers one webhook's events (DESIGN §7, docs/notifier.md).
// One detached actor per hook placement assigned to this notifier, because
// a delivery is a blocking HTTP POST (bounded by the hook timeout).
//
// It reads the hook's table from the cursor it was given (the later of the
// one in this notifier's delivery file and the one placement last heard
// of; "now" for a new hook) with its own segment_feed, keeps the matching
// events of one batch at a time (the feed is paused meanwhile, so memory
// stays bounded by one batch), and POSTs them one by one in feed order
// with the Standard Webhooks headers. The cursor moves, in the delivery
// file, only after a 2xx (at-least-once). A failure is retried after the
// retry schedule's next (jittered) delay; when the schedule runs out the
// hook is `failing` and keeps retrying at the schedule's last delay, so no
// event is ever skipped. Its state goes to the gateway (pb::HookReport)
// after every attempt, and from there to placement with the heartbeat.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>

#include "notifier_shared.hpp"

namespace ropekv::notifier {

caf::actor spawn_hook_worker(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                             caf::actor gateway, pb::Hook hook);

}  // namespace ropekv::notifier
