#pragma once
// range_scanner: reads a table's key ranges as they were at a change-feed
// position, page by page, from whatever segments hold them (DESIGN §7: an
// index backfill, and the re-read of a partition after a rollback).
//
// Each range is scanned at its own position: 0 asks the first replica to
// pick its last position (ScanRequest.snapshot) and the reply names it;
// from then on every page of that range, on any replica of any segment,
// reads at that position. That works across splits and moves because a
// split child keeps its parent's rows with their positions, and a replica
// that has not applied the position yet answers unavailable (retried).
//
// Every range's first page is read before any second page (the totals and
// positions of a backfill are known early). Pages go to followers first
// (spare the leader), one request at a time
// per scanner (a backfill must not crowd out foreground traffic; the owner
// paces further with `pause`). A range whose segment split or moved
// (wrong_segment) is re-planned on a newer rope: it is cut at the new
// segment boundaries, each piece keeping the position and the cursor (a
// scan cursor is a key, valid on any segment). version_gone (the position
// was compacted away) fails the scanner: the owner starts over.
//
// Owns: the ranges still to scan, its one call in flight and its timers.
// Who touches it: the actor that owns it; not thread-safe. The actor must
// route (retry_atom, id(), token) messages to on_retry(token).
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "segment_feed.hpp"

namespace ropekv::feed {

struct scan_range {
  std::string start;
  std::string end;        // "" : +infinity
  uint64_t position = 0;  // 0: the first replica picks (snapshot)
  std::string cursor;     // segment scan cursor; empty: from start
  bool done = false;
};

struct scan_page {
  std::vector<pb::Item> items;
  /// The range after this page (position set, cursor advanced, done).
  scan_range progress;
  /// The first page of a range read at a position the replica picked:
  /// its estimate of the items in the range (0: none given).
  uint64_t estimated_items = 0;
};

struct scan_callbacks {
  /// One page of ranges[i]. The scanner continues only after resume() when
  /// the owner paused it inside the callback.
  std::function<void(scan_page)> on_page;
  /// Every range is done.
  std::function<void()> on_done;
  /// version_gone or the table is gone: nothing more follows.
  std::function<void(const error&)> on_failed;
  /// A range (by start) was cut into pieces on a newer rope.
  std::function<void(const std::string& start, const std::vector<scan_range>& pieces)> on_recut;
};

class range_scanner {
 public:
  range_scanner(caf::event_based_actor* self, feed_client client, uint32_t table,
                std::vector<scan_range> ranges, uint32_t page_items, scan_callbacks callbacks);
  ~range_scanner();
  range_scanner(const range_scanner&) = delete;
  range_scanner& operator=(const range_scanner&) = delete;

  void start();
  /// Hold the next page (e.g. pacing); resume() or resume_after(d) sends it.
  void pause() { paused_ = true; }
  void resume();
  void resume_after(std::chrono::milliseconds delay);
  void on_retry(uint64_t token);
  uint64_t id() const noexcept { return id_; }
  const std::vector<scan_range>& ranges() const noexcept { return ranges_; }

 private:
  void next();
  void send(size_t index, const rope::segment& seg, caf::strong_actor_ptr owner, uint64_t generation);
  void on_reply(size_t index, uint64_t generation, pb::ItemsReply& reply);
  void on_failure(const std::string& why);
  void recut(size_t index);
  void schedule(uint64_t what, std::chrono::milliseconds delay);
  void fail(error err);

  caf::event_based_actor* self_;
  feed_client client_;
  uint32_t table_;
  std::vector<scan_range> ranges_;
  uint32_t page_items_;
  scan_callbacks callbacks_;
  uint64_t id_;
  uint64_t generation_ = 0;
  bool in_flight_ = false;
  bool paused_ = false;
  bool failed_ = false;
  unsigned failures_ = 0;
  size_t turn_ = 0;
  std::map<uint64_t, uint64_t> timers_;  // token -> what (0: next page)
  uint64_t next_timer_ = 1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace ropekv::feed
