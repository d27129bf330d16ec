#pragma once
// Tunables of the placement service. Defaults follow DESIGN §5/§6; main.cpp
// fills them from CAF's config (--down-after, ...), tests set them directly.
#include <chrono>
#include <cstdint>
#include <string>

#include "ropekv/placement/node.hpp"

namespace ropekv::placement_service {

struct placement_options {
  /// A node silent this long is down: its replicas are re-created elsewhere.
  std::chrono::milliseconds down_after{std::chrono::seconds(30)};
  /// Period of the actor's tick (liveness, repair, stats flush).
  std::chrono::milliseconds tick_interval{std::chrono::seconds(1)};
  /// Reported stats are folded into a new rope version at most this often
  /// (sooner when a leader change makes a version anyway).
  std::chrono::milliseconds stats_interval{std::chrono::seconds(10)};
  /// A move whose completion has not been reported by then is abandoned and
  /// planned again.
  std::chrono::milliseconds move_timeout{std::chrono::minutes(10)};
  placement::placement_rule rule;
  /// Moves (repair, drain and balance together) a node takes part in at a
  /// time, as source or target: the throttle on snapshot traffic per node.
  uint32_t max_moves_per_node = 2;
  /// Balance rounds (placement::balance_plan, then leader spread) run at
  /// most this often, and only while repair has nothing to do.
  std::chrono::milliseconds balance_interval{std::chrono::seconds(5)};
  /// Allowed deviation of a node's replicas, bytes and leaders from its
  /// fair share, as a fraction; 0 or less turns balancing off.
  double balance_band = 0.10;
  /// No balance round runs while an alive node has been silent this long
  /// (owners heartbeat every second by default): it is probably down, only
  /// not yet declared so (down_after), and replicas or leaders sent to it
  /// would stall until repair takes over.
  std::chrono::milliseconds suspect_after{std::chrono::seconds(3)};
  /// No leader transfer is ordered until this long after an election
  /// placement did not order: right after a node dies its replicas are not
  /// yet suspect (suspect_after), and a transfer to it would only stall
  /// its segments' writes until the transfer times out.
  std::chrono::milliseconds leader_settle{std::chrono::seconds(10)};
  /// A segment placement asked to change leader is left alone this long
  /// (the new leader shows in a heartbeat well within it).
  std::chrono::milliseconds leader_transfer_cooldown{std::chrono::seconds(10)};
  /// Segments of a new table; 0: placement::default_segments_count().
  uint32_t segments_per_table = 0;
  /// A notifier not heard from this long (they heartbeat every ~500 ms) is
  /// dead: it leaves the notifier list and its hooks go to the others.
  std::chrono::milliseconds notifier_timeout{std::chrono::seconds(3)};
  /// A hook's reported delivery state (cursor, counters) is saved to the
  /// catalog at most this often (always when the hook changes hands).
  std::chrono::milliseconds hook_save_interval{std::chrono::seconds(1)};
  /// An indexer not heard from this long (they heartbeat every ~500 ms) is
  /// dead: it leaves the indexer list and its index replicas go to others.
  std::chrono::milliseconds indexer_timeout{std::chrono::seconds(3)};
  /// Copies of each global secondary index, on distinct indexers (fewer
  /// while fewer are alive); 0 counts as 1.
  uint32_t index_replicas = 2;
  /// Subscribers hear of index progress (counts, rates, lag) at most this
  /// often; phase, error and replica set changes go out at once.
  std::chrono::milliseconds index_progress_interval{std::chrono::seconds(1)};
  /// The secret of a cluster-admin token named "bootstrap", created when
  /// the catalog holds no token at all (first start); empty: none. From
  /// --bootstrap-token-file or ROPEKV_BOOTSTRAP_TOKEN (main.cpp).
  std::string bootstrap_token;
};

}  // namespace ropekv::placement_service
