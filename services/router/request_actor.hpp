#pragma once
// request_actor: one short-lived actor per HTTP request (other than the
// few the HTTP handler answers itself). It owns the request's
// request_runtime, dispatches to the handler for the route, and quits as
// soon as the response is handed to the responder. Spawned from HTTP I/O
// threads (spawn is thread-safe); runs on CAF's scheduler and never blocks.
#include <caf/actor_system.hpp>

#include <memory>

#include "request_runtime.hpp"

namespace ropekv::router {

void spawn_request_actor(caf::actor_system& sys, std::shared_ptr<request_job> job);

/// A request actor that runs `entry` (request_job::entry) instead of a
/// route: its deadline is the request deadline.
void spawn_background_job(caf::actor_system& sys, std::shared_ptr<router_shared> shared,
                          owner_directory_actor directory, placement_link_actor link,
                          std::function<void(request_runtime&)> entry);

}  // namespace ropekv::router
