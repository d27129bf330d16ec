#pragma once
// placement_session: the owner's side of the placement protocol
// (services/placement/placement_actor.hpp) as a state machine over time —
// connect, register (keeping the node id), heartbeat, and start over when
// placement goes away. Decides *when*; the owner actor does the sending.
//
// Owns: the phase, the node id, retry deadlines. Who touches it: the owner
// actor (one thread). No CAF, no clock reads: `now` is passed in.
//
// Invariants: at most one connect, one registration and one heartbeat in
// flight; a heartbeat goes out only while registered; the node id is only
// forgotten when placement says it does not know it.
#include <chrono>

#include "backoff.hpp"
#include "ropekv/common/ids.hpp"

namespace ropekv::segment_owner {

class placement_session {
 public:
  enum class phase { disconnected, connecting, unregistered, registering, registered };

  placement_session(std::chrono::milliseconds heartbeat, std::chrono::milliseconds backoff_min,
                    std::chrono::milliseconds backoff_max)
      : heartbeat_(heartbeat), retry_(backoff_min, backoff_max) {}

  phase current() const noexcept { return phase_; }
  bool registered() const noexcept { return phase_ == phase::registered; }
  /// The id to register with (0: ask for one).
  node_id node() const noexcept { return node_; }
  void set_node(node_id id) { node_ = id; }

  // ------------------------------------------------------------ connect
  bool should_connect(time_point now) const { return phase_ == phase::disconnected && now >= next_try_; }
  void connecting() { phase_ = phase::connecting; }
  void connected() { phase_ = phase::unregistered; next_try_ = {}; }
  void connect_failed(time_point now) { phase_ = phase::disconnected; next_try_ = retry_.failed(now); }
  /// The handle to placement went down (placement stopped or restarted):
  /// connect again and re-register with the same id.
  void lost(time_point now) {
    phase_ = phase::disconnected;
    heartbeat_in_flight_ = false;
    next_try_ = retry_.failed(now);
  }

  // ----------------------------------------------------------- register
  bool should_register(time_point now) const { return phase_ == phase::unregistered && now >= next_try_; }
  void registering() { phase_ = phase::registering; }
  /// The first heartbeat goes out at once: it carries the reports that
  /// placement needs to pick leaders.
  void registered(node_id id, time_point now) {
    node_ = id;
    phase_ = phase::registered;
    retry_.reset();
    next_heartbeat_ = now;
  }
  /// `unknown_id`: placement answered not_found for our id; ask for a new one.
  void register_failed(time_point now, bool unknown_id) {
    if (phase_ != phase::registering) return;
    if (unknown_id) node_ = node_id{};
    phase_ = phase::unregistered;
    next_try_ = retry_.failed(now);
  }

  // ---------------------------------------------------------- heartbeat
  bool should_heartbeat(time_point now) const {
    return phase_ == phase::registered && !heartbeat_in_flight_ && now >= next_heartbeat_;
  }
  void heartbeat_sent(time_point now) {
    heartbeat_in_flight_ = true;
    next_heartbeat_ = now + heartbeat_;
  }
  void heartbeat_ok() { heartbeat_in_flight_ = false; }
  /// not_found: placement forgot us (e.g. it restarted from an older
  /// catalog): register again, with the same id first.
  void heartbeat_unknown() {
    heartbeat_in_flight_ = false;
    if (phase_ == phase::registered) phase_ = phase::unregistered;
  }
  /// Timeout or transport error: keep the session; a dead handle shows up
  /// as lost().
  void heartbeat_failed() { heartbeat_in_flight_ = false; }

 private:
  std::chrono::milliseconds heartbeat_;
  backoff retry_;
  phase phase_ = phase::disconnected;
  node_id node_;
  time_point next_try_{};
  time_point next_heartbeat_{};
  bool heartbeat_in_flight_ = false;
};

}  // namespace ropekv::segment_owner
