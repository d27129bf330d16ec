#include "segment_feed.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <limits>

#include "ropekv/keys/key_codec.hpp"
#include "ropekv/net/actor_interfaces.hpp"
#include "ropekv/net/type_ids.hpp"

namespace ropekv::feed {
namespace {

std::atomic<uint64_t> next_id{1};

constexpr std::chrono::milliseconds min_backoff{20};
constexpr std::chrono::milliseconds max_backoff{1'000};
constexpr uint64_t replan_timer = 0;
constexpr std::chrono::seconds leader_retry_after{2};

std::chrono::milliseconds backoff(unsigned failures) {
  auto d = min_backoff * (1u << std::min(failures, 6u));
  return std::min(d, max_backoff);
}

bool overlaps(const rope::segment& s, std::string_view start, std::string_view end) {
  bool starts_before_end = end.empty() || s.start < end;
  bool ends_after_start = s.end.empty() || s.end > start;
  return starts_before_end && ends_after_start;
}


}  // namespace

uint64_t next_reader_id() { return next_id.fetch_add(1); }

std::string event_key(const pb::ChangeEvent& e) {
  if (e.kind() == pb::CHANGE_ROLLBACK) {
    return keys::partition_prefix(e.item().table_id(), static_cast<uint16_t>(e.partition()));
  }
  return keys::encode(keys::item_key{e.item().table_id(), static_cast<uint16_t>(e.partition()),
                                     e.item().hash_key(), e.item().range_key()});
}

segment_feed::segment_feed(caf::event_based_actor* self, feed_client client,
                           uint32_t table, feed::feed_position start, feed_settings settings,
                           feed_callbacks callbacks)
    : self_(self),
      client_(std::move(client)),
      table_(table),
      read_(std::move(start)),
      settings_(settings),
      callbacks_(std::move(callbacks)),
      id_(next_reader_id()) {}

segment_feed::~segment_feed() { *alive_ = false; }

void segment_feed::start() {
  ready_ = !settings_.from_now;
  replan();
}

void segment_feed::resume() {
  if (!paused_) return;
  paused_ = false;
  for (auto& [id, s] : slots_) {
    if (!s.in_flight) issue(id);
  }
}

void segment_feed::replan() {
  if (failed_) return;
  auto snap = client_.cluster->routes.load();
  if (!snap->ready()) return schedule(replan_timer, std::chrono::milliseconds(100));
  if (snap->table(table_) == nullptr) {
    return fail(make_error(errc::not_found, "table " + std::to_string(table_) + " was dropped"));
  }
  rope_version_ = snap->version();
  const auto& from = read_.table_start();
  const auto& to = read_.table_end();
  std::map<uint64_t, slot> next;
  for (size_t rank = snap->rope.rank_of(from); rank < snap->rope.size(); ++rank) {
    const auto& seg = snap->rope.at(rank);
    if (!overlaps(seg, from, to)) break;
    auto old = slots_.find(seg.id.value);
    if (old != slots_.end() && old->second.segment.epoch == seg.epoch) {
      old->second.segment = seg;  // replicas and leader hint may have changed
      next.emplace(seg.id.value, std::move(old->second));
      continue;
    }
    slot s;
    s.segment = seg;
    s.generation = next_generation_++;
    // A new segment that continues one we had probed starts at the
    // position its range has; only segments of the first plan are probed.
    s.probed = !settings_.from_now || ready_;
    next.emplace(seg.id.value, std::move(s));
  }
  slots_ = std::move(next);
  for (auto& [id, s] : slots_) {
    if (!s.in_flight) issue(id);
  }
  check_ready();
}

void segment_feed::issue(uint64_t segment) {
  auto it = slots_.find(segment);
  if (it == slots_.end() || failed_) return;
  slot& s = it->second;
  if (s.in_flight || (paused_ && s.probed)) return;
  // A newer rope (pushed by placement) may name another leader or other
  // replicas: re-plan first, which issues this slot's read again.
  if (!refreshing_ && client_.cluster->routes.load()->version() != rope_version_) return replan();
  if (s.segment.replicas.empty()) return schedule(segment, backoff(++s.failures));
  // The leader last (feeds should not load it) or first (it has each
  // commit a round before its followers).
  std::vector<node_id> order = s.segment.replicas;
  std::stable_partition(order.begin(), order.end(), [&](node_id n) {
    return settings_.leader_first ? n == s.segment.leader_hint : n != s.segment.leader_hint;
  });
  // A leader-first feed moved off the leader by a failure goes back to it
  // once failures stop: a follower learns each commit a heartbeat later.
  size_t turn = s.replica_turn;
  if (settings_.leader_first && std::chrono::steady_clock::now() - s.last_failure > leader_retry_after) turn = 0;
  node_id node = order[turn % order.size()];
  if (node != s.reading_from) {
    spdlog::debug("event=feed_replica table={} segment={} node={} leader_hint={}", table_, segment, node.value,
                  s.segment.leader_hint.value);
    s.reading_from = node;
  }
  auto snap = client_.cluster->routes.load();
  std::string address = snap->address_of(node);
  s.in_flight = true;
  uint64_t generation = s.generation;
  if (auto handle = client_.cluster->owners.find(node.value, address)) {
    return send_to(segment, generation, std::move(handle));
  }
  std::weak_ptr<bool> alive = alive_;
  self_->request(client_.owner_directory, client_.cluster->options.connect_timeout + settings_.call_timeout,
                 caf::resolve_atom_v, node.value)
      .then(
          [this, alive, segment, generation](caf::strong_actor_ptr& handle) {
            if (alive.expired()) return;
            send_to(segment, generation, std::move(handle));
          },
          [this, alive, segment, generation](caf::error& err) {
            if (alive.expired()) return;
            on_call_failed(segment, generation, caf::to_string(err));
          });
}

void segment_feed::send_to(uint64_t segment, uint64_t generation, caf::strong_actor_ptr owner) {
  auto it = slots_.find(segment);
  if (it == slots_.end() || it->second.generation != generation) return;
  slot& s = it->second;
  pb::ChangesRequest req;
  auto* r = req.mutable_routing();
  r->set_segment_id(s.segment.id.value);
  r->set_epoch(s.segment.epoch);
  r->set_rope_version(rope_version_);
  req.set_consistency(pb::EVENTUAL);
  req.set_limit(settings_.batch);
  uint32_t wait = 0;
  if (!s.probed) {
    req.set_after_position(std::numeric_limits<uint64_t>::max());
  } else {
    req.set_after_position(read_.lowest(s.segment.start, s.segment.end));
    wait = settings_.wait_ms;
  }
  req.set_wait_ms(wait);
  auto timeout = settings_.call_timeout + std::chrono::milliseconds(wait);
  std::weak_ptr<bool> alive = alive_;
  self_->request(caf::actor_cast<net::owner_actor>(owner), timeout, std::move(req))
      .then(
          [this, alive, segment, generation](pb::ChangesReply& reply) {
            if (alive.expired()) return;
            on_reply(segment, generation, reply);
          },
          [this, alive, segment, generation](caf::error& err) {
            if (alive.expired()) return;
            on_call_failed(segment, generation, caf::to_string(err));
          });
}

void segment_feed::on_reply(uint64_t segment, uint64_t generation, pb::ChangesReply& reply) {
  auto it = slots_.find(segment);
  if (it == slots_.end() || it->second.generation != generation) return;
  slot& s = it->second;
  s.in_flight = false;
  if (client_.reads) ++*client_.reads;
  auto code = static_cast<errc>(reply.status().error_code());
  if (reply.status().error_code() != 0) {
    if (code == errc::version_gone) {
      return fail(make_error(errc::version_gone, "feed_compacted: " + reply.status().message()));
    }
    if (code == errc::wrong_segment) {
      // Split, merged or moved away: the rope is behind; re-plan once newer.
      return refresh_rope();
    }
    return on_call_failed(segment, generation, std::string(to_string(code)) + ": " + reply.status().message());
  }
  s.failures = 0;
  // The replica's own range is what its feed holds, whatever the rope says.
  std::string start(feed::later_start(reply.start_key(), read_.table_start()));
  std::string end(feed::earlier_end(reply.end_key(), read_.table_end()));
  if (!s.probed) {
    s.probed = true;
    if (start < end) read_.advance(start, end, reply.last_position());
    check_ready();
    return issue(segment);
  }
  feed_batch batch;
  batch.start = start;
  batch.end = end;
  bool full = reply.events_size() >= static_cast<int>(settings_.batch);
  batch.through = full ? reply.events(reply.events_size() - 1).position() : reply.last_position();
  batch.caught_up = !full;
  for (auto& e : *reply.mutable_events()) {
    if (e.item().table_id() != table_) continue;
    std::string key = event_key(e);
    if (e.kind() == pb::CHANGE_ROLLBACK) {
      // A partition may straddle a split: each half reports the rollback.
      std::string part_end = keys::prefix_end(key);
      if (!(key < end && part_end > start)) continue;
      if (e.position() <= read_.lowest(feed::later_start(key, start), feed::earlier_end(part_end, end))) continue;
    } else {
      if (key < start || key >= end) continue;
      if (e.position() <= read_.at(key)) continue;  // read before, through another range
    }
    batch.events.push_back(std::move(e));
  }
  if (start < end) read_.advance(start, end, batch.through);
  if (callbacks_.on_batch) callbacks_.on_batch(std::move(batch));
  if (!failed_) issue(segment);
}

void segment_feed::on_call_failed(uint64_t segment, uint64_t generation, const std::string& why) {
  auto it = slots_.find(segment);
  if (it == slots_.end() || it->second.generation != generation) return;
  slot& s = it->second;
  s.in_flight = false;
  ++s.replica_turn;
  ++s.failures;
  s.last_failure = std::chrono::steady_clock::now();
  if (s.failures == 3) {
    spdlog::warn("event=feed_read_failing table={} segment={} failures={} why=\"{}\"", table_, segment,
                 s.failures, why);
  }
  // The rope may have moved on (a replica moved away, the node is gone).
  if (s.failures % 4 == 0) refresh_rope();
  schedule(segment, backoff(s.failures));
}

void segment_feed::refresh_rope() {
  if (refreshing_ || failed_) return;
  refreshing_ = true;
  std::weak_ptr<bool> alive = alive_;
  self_->request(client_.placement_link, client_.cluster->options.admin_timeout, caf::update_atom_v,
                 rope_version_)
      .then(
          [this, alive](uint64_t) {
            if (alive.expired()) return;
            refreshing_ = false;
            replan();
          },
          [this, alive](caf::error&) {
            if (alive.expired()) return;
            refreshing_ = false;
            schedule(replan_timer, std::chrono::milliseconds(200));
          });
}

void segment_feed::fail(error err) {
  if (failed_) return;
  failed_ = true;
  slots_.clear();
  if (callbacks_.on_failed) callbacks_.on_failed(err);
}

void segment_feed::schedule(uint64_t what, std::chrono::milliseconds delay) {
  uint64_t token = next_timer_++;
  timers_[token] = what;
  self_->delayed_send(self_, delay, retry_atom_v, id_, token);
}

void segment_feed::on_retry(uint64_t token) {
  auto it = timers_.find(token);
  if (it == timers_.end()) return;
  uint64_t what = it->second;
  timers_.erase(it);
  if (failed_) return;
  if (what == replan_timer) return replan();
  if (auto s = slots_.find(what); s != slots_.end()) {
    // A segment that keeps failing may be gone from the rope.
    if (client_.cluster->routes.load()->version() != rope_version_) return replan();
    issue(what);
  }
}

void segment_feed::check_ready() {
  if (ready_ || slots_.empty()) return;
  for (auto& [id, s] : slots_) {
    if (!s.probed) return;
  }
  ready_ = true;
  if (callbacks_.on_ready) callbacks_.on_ready();
}

}  // namespace ropekv::feed
