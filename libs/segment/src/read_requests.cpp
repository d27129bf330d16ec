// Reads: EVENTUAL from local state on any replica; STRONG on the leader,
// under its lease or after a read barrier (read_batcher), checked against
// the segment again when served, since a split may have applied while the
// read waited.
//
// Scans at a change-feed position (ScanRequest.snapshot / at_position, for
// a reader that scans and then tails the feed) are served like any scan,
// usually EVENTUAL on any replica: positions are the same on every replica
// (they come from the log), so each page can go to another one. snapshot
// with at_position 0 reads at the replica's last position P and answers P;
// later pages pass at_position P (snapshot with a cursor and no position is
// refused: its pages would mix states). P = 0 means no event ever applied
// here, so nothing is stored: the scan reads the (empty) latest state and
// the reader tails the feed from 0. A replica that has not applied
// at_position yet answers unavailable (try another, or later).
#include <algorithm>
#include <chrono>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/keys/partition.hpp"

#include "replica_state.hpp"
#include "replies.hpp"

namespace ropekv::segment {

using detail::make_status;
using detail::replica_state;

namespace {

template <class Reply>
Reply reply_with(pb::Status status) {
  Reply r;
  *r.mutable_status() = std::move(status);
  return r;
}

/// Answers `serve()` now or after a barrier, per consistency and mode.
/// The routing is checked on arrival and again when served, since a split
/// may have applied while the read waited for its barrier.
template <class Reply>
void run_read(replica_state& s, const pb::Routing& routing, pb::Consistency consistency,
              std::function<Reply()> serve, std::function<void(Reply)> cb) {
  if (auto bad = detail::check_routing(routing, s.store->meta())) return cb(reply_with<Reply>(*bad));
  auto checked = [&s, routing, serve = std::move(serve)]() -> Reply {
    if (auto bad = detail::check_routing(routing, s.store->meta())) return reply_with<Reply>(*bad);
    if (!s.opts.observe) return serve();
    auto started = std::chrono::steady_clock::now();
    Reply r = serve();
    s.opts.observe(consensus::replica_stage::read,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return r;
  };
  bool local = consistency == pb::EVENTUAL || s.opts.strong_reads == strong_read_mode::unsafe_local;
  if (local) return cb(checked());
  if (auto bad = s.check_leader()) return cb(reply_with<Reply>(*bad));
  if (s.opts.strong_reads == strong_read_mode::lease && s.raft->lease_valid(s.now_ms())) {
    ++s.counters.lease_reads;
    return cb(checked());
  }
  s.reads.enqueue([&s, checked = std::move(checked), cb = std::move(cb)](const status& st) {
    if (!st) return cb(reply_with<Reply>(detail::to_status(st.error(), s.hint())));
    cb(checked());
  });
}

// A pending transaction's lock in the way of a read: the reader (router)
// resolves it and asks again, so no read sees half a transaction.
template <class Reply>
std::optional<Reply> locked_reply(std::optional<pb::LockInfo> lock) {
  if (!lock) return std::nullopt;
  Reply r = reply_with<Reply>(make_status(errc::locked, "item held by an unresolved transaction"));
  *r.mutable_lock() = std::move(*lock);
  return r;
}

store::read_options read_opts(const replica_state& s, uint64_t as_of) {
  store::read_options o;
  o.now_us = s.now_us();
  o.as_of = as_of;
  return o;
}

}  // namespace

void segment_replica::get(const pb::GetRequest& request, get_callback cb) {
  auto& s = *s_;
  run_read<pb::GetReply>(
      s, request.routing(), request.consistency(),
      [&s, request]() -> pb::GetReply {
        auto meta = s.store->meta();
        if (auto bad = detail::check_item(meta, request.table_id(), request.hash_key(), request.range_key())) {
          return reply_with<pb::GetReply>(*bad);
        }
        auto key = keys::encode(keys::item_key{request.table_id(), keys::partition_of(request.hash_key()),
                                               request.hash_key(), request.range_key()});
        if (auto l = locked_reply<pb::GetReply>(s.store->lock_on(key, s.now_us()))) return *l;
        auto item = s.store->get(request.table_id(), request.hash_key(), request.range_key(),
                                 read_opts(s, request.as_of()));
        if (!item) return reply_with<pb::GetReply>(detail::to_status(item.error()));
        pb::GetReply r;
        *r.mutable_item() = std::move(*item);
        return r;
      },
      std::move(cb));
}

void segment_replica::range(const pb::RangeRequest& request, items_callback cb) {
  auto& s = *s_;
  run_read<pb::ItemsReply>(
      s, request.routing(), request.consistency(),
      [&s, request]() -> pb::ItemsReply {
        store::range_query q;
        q.table = request.table_id();
        q.hash_key = request.hash_key();
        q.by_rk2 = request.by_rk2();
        if (request.has_from()) q.from = request.from();
        if (request.has_to()) q.to = request.to();
        q.reverse = request.reverse();
        q.limit = request.limit();
        q.cursor = request.cursor();
        q.read = read_opts(s, request.as_of());
        auto prefix = keys::hash_key_prefix(request.table_id(), keys::partition_of(request.hash_key()),
                                            request.hash_key());
        auto lock = s.store->lock_within(prefix, keys::prefix_end(prefix), s.now_us());
        if (auto l = locked_reply<pb::ItemsReply>(std::move(lock))) return *l;
        auto page = s.store->range(q);  // wrong_segment when the hash key is not ours
        if (!page) return reply_with<pb::ItemsReply>(detail::to_status(page.error()));
        pb::ItemsReply r;
        for (auto& item : page->items) *r.add_items() = std::move(item);
        r.set_next_cursor(std::move(page->next_cursor));
        return r;
      },
      std::move(cb));
}

void segment_replica::scan(const pb::ScanRequest& request, items_callback cb) {
  auto& s = *s_;
  run_read<pb::ItemsReply>(
      s, request.routing(), request.consistency(),
      [&s, request]() -> pb::ItemsReply {
        auto meta = s.store->meta();
        if (!detail::overlaps(meta, request.start_key(), request.end_key())) {
          return reply_with<pb::ItemsReply>(make_status(errc::wrong_segment, "scan range outside the segment"));
        }
        uint64_t position = request.at_position();
        if (request.snapshot() && position == 0) {
          if (!request.cursor().empty()) {
            return reply_with<pb::ItemsReply>(make_status(
                errc::invalid_argument, "later pages of a snapshot scan pass its at_position"));
          }
          position = s.store->last_position();  // 0: nothing stored, latest is exact
        }
        if (position == 0) {
          // Scans at a feed position read committed history; latest ones
          // must not pass a pending transaction.
          auto lock = s.store->lock_within(std::max(request.start_key(), meta.start_key),
                                           request.end_key(), s.now_us());
          if (auto l = locked_reply<pb::ItemsReply>(std::move(lock))) return *l;
        }
        store::scan_query q;
        q.start = request.start_key();
        q.end = request.end_key();
        q.limit = request.limit();
        q.cursor = request.cursor();
        q.read = read_opts(s, 0);
        q.at_position = position;
        auto page = s.store->scan(q);
        if (!page) return reply_with<pb::ItemsReply>(detail::to_status(page.error()));
        pb::ItemsReply r;
        for (auto& item : page->items) *r.add_items() = std::move(item);
        r.set_next_cursor(std::move(page->next_cursor));
        r.set_position(position);
        if (request.snapshot() && request.at_position() == 0) {
          auto keys = s.store->count_keys(request.start_key(), request.end_key());
          if (keys) r.set_estimated_items(*keys);
        }
        return r;
      },
      std::move(cb));
}

void segment_replica::partition(const pb::PartitionRequest& request, partition_callback cb) {
  auto& s = *s_;
  // No consistency field: partition aggregates are served like STRONG reads.
  run_read<pb::PartitionReply>(
      s, request.routing(), pb::STRONG,
      [&s, request]() -> pb::PartitionReply {
        auto meta = s.store->meta();
        if (auto bad = detail::check_partition(meta, request.table_id(), request.partition())) {
          return reply_with<pb::PartitionReply>(*bad);
        }
        auto info = s.store->partition(request.table_id(), static_cast<uint16_t>(request.partition()));
        if (!info) return reply_with<pb::PartitionReply>(detail::to_status(info.error()));
        pb::PartitionReply r;
        r.set_items(info->items);
        r.set_bytes(info->bytes);
        r.set_head_version(info->head_version);
        return r;
      },
      std::move(cb));
}

void segment_replica::locks(const pb::LocksRequest& request, locks_callback cb) {
  auto& s = *s_;
  if (auto bad = detail::check_routing(request.routing(), s.store->meta()))
    return cb(reply_with<pb::LocksReply>(*bad));
  // The leader's view: a lock it lists was committed through the log.
  if (auto bad = s.check_leader()) return cb(reply_with<pb::LocksReply>(*bad));
  size_t limit = request.limit() == 0 ? 100 : std::min<uint32_t>(request.limit(), 1000);
  pb::LocksReply r;
  for (auto& l : s.store->stale_locks(s.now_us(), static_cast<int64_t>(request.min_age_ms()) * 1000, limit))
    *r.add_locks() = std::move(l);
  cb(std::move(r));
}

namespace {

/// Most long polls one replica holds; past it a poll is answered at once.
constexpr size_t max_feed_waiters = 4096;
/// Longest hold the replica grants, whatever the request asks.
constexpr uint32_t max_feed_wait_ms = 30'000;

pb::ChangesReply serve_changes(replica_state& s, const pb::ChangesRequest& request) {
  size_t limit = request.limit() == 0 ? 1000 : request.limit();
  auto events = s.store->changes_since(request.after_position(), limit);
  if (!events) return reply_with<pb::ChangesReply>(detail::to_status(events.error()));
  pb::ChangesReply r;
  for (auto& e : *events) *r.add_events() = std::move(e);
  r.set_last_position(s.store->last_position());
  auto meta = s.store->meta();
  r.set_start_key(meta.start_key);
  r.set_end_key(meta.end_key);
  r.set_epoch(meta.epoch);
  return r;
}

}  // namespace

void segment_replica::changes(const pb::ChangesRequest& request, changes_callback cb) {
  auto& s = *s_;
  bool hold = request.consistency() == pb::EVENTUAL && request.wait_ms() > 0 &&
              s.store->last_position() <= request.after_position() &&
              s.feed_waiters.size() < max_feed_waiters &&
              !detail::check_routing(request.routing(), s.store->meta());
  if (hold) {
    int64_t wait_us = int64_t{std::min(request.wait_ms(), max_feed_wait_ms)} * 1000;
    s.feed_waiters.push_back({request, std::move(cb), s.now_us() + wait_us});
    return;
  }
  run_read<pb::ChangesReply>(
      s, request.routing(), request.consistency(),
      [&s, request]() -> pb::ChangesReply { return serve_changes(s, request); }, std::move(cb));
}

namespace detail {

bool wake_feed_waiters(replica_state& s) {
  if (s.feed_waiters.empty()) return false;
  uint64_t last = s.store->last_position();
  int64_t now = s.now_us();
  std::vector<replica_state::feed_waiter> due;
  std::erase_if(s.feed_waiters, [&](replica_state::feed_waiter& w) {
    if (last <= w.request.after_position() && now < w.deadline_us) return false;
    due.push_back(std::move(w));
    return true;
  });
  for (auto& w : due) {
    // A split may have applied while it waited: the routing says so.
    if (auto bad = check_routing(w.request.routing(), s.store->meta())) {
      w.cb(reply_with<pb::ChangesReply>(*bad));
    } else {
      w.cb(serve_changes(s, w.request));
    }
  }
  return !due.empty();
}

void fail_feed_waiters(replica_state& s, const pb::Status& status) {
  auto waiters = std::move(s.feed_waiters);
  s.feed_waiters.clear();
  for (auto& w : waiters) w.cb(reply_with<pb::ChangesReply>(status));
}

}  // namespace detail

}  // namespace ropekv::segment
