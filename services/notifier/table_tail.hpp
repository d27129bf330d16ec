#pragma once
// table_tail: one actor per table with subscribers on this notifier. It
// tails the table's feed once (a segment_feed started "now", long polls)
// and fans each event out to every live subscription whose filter matches,
// rendering the event once (event_frame.hpp). DESIGN §7, docs/notifier.md.
//
// A subscription that starts from a resume token first catches up on its
// own segment_feed, capped at the tail's position ("target"); once it has
// delivered everything up to the tail's position it joins the live set.
// If the tail moved on meanwhile, the target moves and the catch-up feed is
// restarted from what was delivered. So each subscriber sees every event
// after its token exactly once per connection, in position order per
// range, hence per key.
//
// Tokens: after each event the tail's delivered position is encoded once;
// that is the token of every live subscriber (an event a filter skips is
// still "past" for it). A subscriber whose outbound queue is full gets
// `slow_consumer` with the token from before the event it could not take,
// and is closed (send_final), so it can resume without loss.
//
// Messages: pb::FeedSubscription (add), (detach_atom, conn, id) (client
// unsubscribed: the gateway answers it), (ws_close_atom, conn) (connection
// gone), (retry_atom, feed, token) (feed timers). It tells the gateway
// (detach_atom, conn, id) for each subscription it ends on its own.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <memory>
#include <string>

#include "notifier_shared.hpp"

namespace ropekv::notifier {

caf::actor spawn_table_tail(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                            caf::actor gateway, uint32_t table_id, std::string table,
                            bool has_range_key);

}  // namespace ropekv::notifier
