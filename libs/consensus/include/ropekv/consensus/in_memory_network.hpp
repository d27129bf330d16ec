#pragma once
// A deterministic in-process network for tests and the bench, with fault
// injection: drop probability, delay (virtual ms), cut links, crashed nodes.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ropekv/common/ids.hpp"
#include "ropekv/consensus/transport.hpp"

namespace ropekv::consensus {

struct network_faults {
  double drop_probability = 0.0;  // per message, after link checks
  uint64_t min_delay_ms = 0;      // delivery delay is uniform in [min, max]
  uint64_t max_delay_ms = 0;
};

/// Owns every message in flight between attached nodes.
///
/// Who touches it: transports (send) and the driver (deliver), possibly
/// from several threads (the bench runs one thread per replica); one mutex
/// guards all state and receivers are invoked without it held.
///
/// Determinism: with one driving thread, a fixed seed and the same call
/// sequence, drops, delays and delivery order are identical run to run.
/// Messages to one node are delivered in (due time, send order) order.
/// A message is dropped if, at send or at delivery, either end is crashed,
/// detached, or the link between them is cut.
class in_memory_network {
 public:
  using receiver = std::function<void(node_id from, std::string bytes)>;

  explicit in_memory_network(uint64_t seed = 1);

  /// The outbound side for node `self`.
  std::unique_ptr<transport> endpoint(node_id self);

  /// `wake` (optional) is called, without the lock, whenever a message is
  /// queued for `id`: a driver thread sleeping on an idle replica can
  /// wait on it instead of spinning.
  void attach(node_id id, receiver r, std::function<void()> wake = {});
  void detach(node_id id);  // also drops messages queued for it

  void set_faults(const network_faults& faults);
  /// Cuts (heals) both directions between a and b.
  void cut(node_id a, node_id b);
  void heal(node_id a, node_id b);
  void heal_all();
  /// Cuts every link from `id` to every other node ever seen.
  void isolate(node_id id);
  /// A crashed node neither sends nor receives until revived.
  void crash(node_id id);
  void revive(node_id id);

  /// Advances the network clock; sends are stamped with it.
  void set_time(uint64_t now_ms);
  /// Delivers every message due by `now_ms`, to all nodes (ascending id).
  size_t deliver(uint64_t now_ms);
  /// Delivers the messages due by `now_ms` to one node only (used by a
  /// replica's own thread).
  size_t deliver_to(node_id to, uint64_t now_ms);

  struct counters {
    uint64_t sent = 0;
    uint64_t dropped = 0;
    uint64_t delivered = 0;
    uint64_t bytes = 0;
  };
  counters stats() const;

 private:
  struct message {
    uint64_t due_ms;
    uint64_t seq;
    node_id from;
    std::string bytes;
    bool operator>(const message& o) const {
      return due_ms != o.due_ms ? due_ms > o.due_ms : seq > o.seq;
    }
  };
  using inbox = std::priority_queue<message, std::vector<message>, std::greater<>>;

  class endpoint_impl;
  void send(node_id from, node_id to, std::string bytes);
  bool enqueue(node_id from, node_id to, std::string bytes);  // mutex held
  bool link_up(node_id a, node_id b) const;  // mutex held

  mutable std::mutex mu_;
  std::mt19937_64 rng_;
  network_faults faults_;
  uint64_t now_ms_ = 0;
  uint64_t seq_ = 0;
  std::map<node_id, receiver> receivers_;
  std::map<node_id, std::function<void()>> wakers_;
  std::map<node_id, inbox> inboxes_;
  std::set<std::pair<node_id, node_id>> cut_;
  std::set<node_id> crashed_;
  std::set<node_id> known_;
  counters stats_;
};

}  // namespace ropekv::consensus
