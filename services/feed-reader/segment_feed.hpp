#pragma once
// segment_feed: reads one table's change feed from the segments that hold
// it now, after a feed_position, and keeps reading across splits, moves and
// leader changes (DESIGN §7, docs/feeds.md).
//
// How: one slot per segment of the table in the current rope; each slot
// has at most one ChangesRequest in flight, EVENTUAL (any replica; the
// leader last, or first when latency matters more), as a long poll when
// the settings ask for one. A reply's
// events pass only if they belong to the table and lie past the read
// position of their key (so re-reading a range after a re-plan never
// repeats an event), and the range is then read up to the reply's last
// position. wrong_segment (a split, a merge, a moved replica) makes the
// feed ask the placement link for a newer rope and re-plan; slots whose
// segment is gone are dropped and the new segments start at the lowest
// position of their range -- a split child continues its parent's
// positions, so nothing is skipped. A failed call (replica down, timeout)
// retries at the next replica after a backoff. version_gone means the
// positions were compacted away: the feed stops with feed_compacted.
//
// Start "now": each segment is first asked for its last position only, and
// the feed is ready once every slot has one.
//
// Owns: the read position, the slots, its timers (delayed messages to the
// actor carry a generation so a dropped feed ignores them). Who touches it:
// the one actor that owns it, from its handlers; not thread-safe. The actor
// must route (retry_atom, id(), token) messages to on_retry(token).
//
// Used by the notifier (subscriptions, webhooks) and the indexer (index
// maintenance): both read feeds through the router's cluster client.
#include <caf/event_based_actor.hpp>

#include <atomic>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "owner_directory.hpp"
#include "placement_link.hpp"
#include "ropekv/common/result.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "router_shared.hpp"

namespace ropekv::feed {

/// The cluster view and actors a feed reads through (one per process),
/// and a counter of feed reads answered (may be null).
struct feed_client {
  std::shared_ptr<router::router_shared> cluster;
  router::placement_link_actor placement_link;
  router::owner_directory_actor owner_directory;
  std::atomic<uint64_t>* reads = nullptr;
};

/// New events of one key range, and how far that range is now read.
struct feed_batch {
  std::string start;                    // the range, clipped to the table
  std::string end;
  std::vector<pb::ChangeEvent> events;  // position order; table's keys only
  uint64_t through = 0;                 // every event of the range <= this is read
  bool caught_up = false;               // nothing newer was on the replica when it answered
};

struct feed_settings {
  uint32_t wait_ms = 0;                 // long poll; 0: answer at once
  uint32_t batch = 1'000;
  std::chrono::milliseconds call_timeout{1'000};  // on top of wait_ms
  bool from_now = false;                // start at each segment's last position
  /// Read the leader first (lowest latency: followers learn a commit one
  /// round later) instead of last (spares the leader).
  bool leader_first = false;
};

struct feed_callbacks {
  std::function<void(feed_batch)> on_batch;
  /// The feed cannot go on: feed_compacted (version_gone) or the table is
  /// gone (not_found). No callback follows.
  std::function<void(const error&)> on_failed;
  /// from_now: every segment reported its last position.
  std::function<void()> on_ready;
};

/// Unique in the process: names a feed or scanner in its timer messages.
uint64_t next_reader_id();

/// The key a feed event is filed under: the item's encoded key, or for a
/// rollback (a whole partition, no item) the partition's first key.
std::string event_key(const pb::ChangeEvent& e);

class segment_feed {
 public:
  segment_feed(caf::event_based_actor* self, feed_client client, uint32_t table,
               feed::feed_position start, feed_settings settings, feed_callbacks callbacks);
  ~segment_feed();
  segment_feed(const segment_feed&) = delete;
  segment_feed& operator=(const segment_feed&) = delete;

  /// Plans and issues the first reads.
  void start();
  /// Holds new reads (replies in flight still arrive); resume() issues them.
  void pause() { paused_ = true; }
  void resume();
  bool ready() const noexcept { return ready_; }
  /// How far each range has been read (passed to on_batch already).
  const feed::feed_position& read_position() const noexcept { return read_; }
  /// A delayed retry or re-plan came back: (retry_atom, id(), token).
  void on_retry(uint64_t token);
  /// Unique in the process: names the feed in its timer messages.
  uint64_t id() const noexcept { return id_; }

 private:
  struct slot {
    rope::segment segment;
    bool in_flight = false;
    bool probed = false;          // from_now: the last position is known
    size_t replica_turn = 0;      // which replica the next call goes to
    std::chrono::steady_clock::time_point last_failure{};
    node_id reading_from;         // the replica of the last call (for the log)
    unsigned failures = 0;
    uint64_t generation = 0;      // replies of an older generation are ignored
  };

  void replan();
  void issue(uint64_t segment);
  void send_to(uint64_t segment, uint64_t generation, caf::strong_actor_ptr owner);
  void on_reply(uint64_t segment, uint64_t generation, pb::ChangesReply& reply);
  void on_call_failed(uint64_t segment, uint64_t generation, const std::string& why);
  void refresh_rope();
  void fail(error err);
  void schedule(uint64_t what, std::chrono::milliseconds delay);
  void check_ready();

  caf::event_based_actor* self_;
  feed_client client_;
  uint32_t table_;
  feed::feed_position read_;
  feed_settings settings_;
  feed_callbacks callbacks_;
  std::map<uint64_t, slot> slots_;     // segment id -> slot
  uint64_t rope_version_ = 0;
  uint64_t next_generation_ = 1;
  uint64_t id_;
  std::map<uint64_t, uint64_t> timers_;  // timer token -> segment (0: re-plan)
  uint64_t next_timer_ = 1;
  bool paused_ = false;
  bool ready_ = false;
  bool failed_ = false;
  bool refreshing_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ropekv::feed
