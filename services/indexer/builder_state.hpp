#pragma once
// The state of one index_builder and the parts of its behavior, one file
// each: index_builder.cpp (life cycle, queries, reports), builder_feed.cpp
// (backfill and tailing).
#include <caf/all.hpp>

#include <chrono>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>

#include "index_builder.hpp"
#include "range_scanner.hpp"
#include "ropekv/feed/feed_position.hpp"
#include "ropekv/index/index_store.hpp"
#include "segment_feed.hpp"

namespace ropekv::indexer {

using clock = std::chrono::steady_clock;

/// An after= query waiting for the index to apply its writes.
struct after_waiter {
  pb::IndexQueryRequest query;
  caf::typed_response_promise<pb::IndexQueryReply> promise;
  clock::time_point deadline;
};

struct builder_state {
  std::shared_ptr<indexer_shared> shared;
  caf::actor coordinator;
  pb::IndexDescriptor desc;
  std::unique_ptr<index::index_store> store;
  std::string last_error;

  // Backfill.
  std::unique_ptr<feed::range_scanner> scanner;
  clock::time_point backfill_started{};
  uint64_t scanned_this_run = 0;
  clock::time_point last_page{};

  // Tailing: `applied` is what the file holds (the feed reads ahead of it).
  std::unique_ptr<feed::segment_feed> feed;
  std::optional<feed::feed_position> applied;
  std::deque<feed::feed_batch> queue;
  std::unique_ptr<feed::range_scanner> rescan;  // a rollback's partition re-read
  std::vector<pb::Item> rescan_items;
  // Per feed range (by start) not caught up: when its last applied event was written (us).
  std::map<std::string, int64_t> behind_since_us;

  std::list<after_waiter> waiters;
  bool ticking = false;

  static inline const char* name = "ropekv.indexer.builder";
};

using builder_actor = caf::stateful_actor<builder_state>;

// builder_feed.cpp
/// Opens the file and starts backfilling or tailing, as it says.
void start_building(builder_actor* self);
/// The replica starts over: rows dropped, a fresh backfill.
void restart_backfill(builder_actor* self, const std::string& why);
/// A rollback's partition re-read finished: drop its scanner, go on.
void on_rescan_finished(builder_actor* self);
/// The rope was not ready for a backfill plan: try again.
void retry_backfill_plan(builder_actor* self);
/// Routes a (retry_atom, id, token) timer to the feed or scanner it names.
void on_reader_timer(builder_actor* self, uint64_t id, uint64_t token);
/// How far behind the feed the index is (ms); 0 when caught up.
uint64_t lag_ms(const builder_state& st);

// index_builder.cpp
/// Answers every waiter whose writes are applied now.
void wake_waiters(builder_actor* self);

}  // namespace ropekv::indexer
