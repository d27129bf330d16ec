#include "table_tail.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <utility>

#include "event_frame.hpp"
#include "ropekv/notify/server_frames.hpp"
#include "ropekv/notify/subscription_filter.hpp"
#include "segment_feed.hpp"

namespace ropekv::notifier {
namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using notify::frame_errc;
using sub_key = std::pair<uint64_t, std::string>;  // connection, client id

/// How long a catch-up read waits at the head of a segment before it
/// answers empty (so a caught-up reader re-checks the tail's position).
constexpr uint32_t catch_up_wait_ms = 50;
/// Events per catch-up read: the most a catch-up holds while its client
/// drains its queue.
constexpr uint32_t catch_up_batch = 200;
/// A catch-up fills a client's queue up to this fraction of its limit, then
/// waits for it to drain (the live tail needs the rest).
constexpr size_t catch_up_queue_share = 2;  // 1/2
constexpr std::chrono::milliseconds drain_poll{10};

notify::subscription_filter make_filter(const pb::FeedSubscription& s) {
  table_id t{s.table_id()};
  notify::event_kind_set kinds;
  for (size_t k = 0; k < notify::event_kind_count; ++k) {
    if (s.kinds() & (1u << k)) kinds.insert(static_cast<notify::event_kind>(k));
  }
  switch (static_cast<notify::key_scope>(s.scope())) {
    case notify::key_scope::prefix: return notify::subscription_filter::with_prefix(t, s.key(), kinds);
    case notify::key_scope::exact: return notify::subscription_filter::with_hash_key(t, s.key(), kinds);
    default: return notify::subscription_filter(t, kinds);
  }
}

struct live_sub {
  notify::subscription_filter filter;
  std::string id;
};

struct catch_up {
  pb::FeedSubscription sub;
  notify::subscription_filter filter;
  feed::feed_position delivered;
  feed::feed_position target;
  std::unique_ptr<segment_feed> feed;
  // Frames rendered and not yet queued: a catch-up goes at the pace the
  // client reads (its queue), with at most one batch waiting here.
  std::deque<std::string> frames;
  bool flush_scheduled = false;
};

struct tail_state {
  std::shared_ptr<notifier_shared> shared;
  caf::actor gateway;
  uint32_t table = 0;
  std::string name;
  bool has_range_key = false;

  std::unique_ptr<segment_feed> live;
  std::optional<feed::feed_position> pos;  // delivered by the live tail; set once ready
  std::string token;                       // pos, encoded
  std::map<sub_key, live_sub> subs;
  std::map<sub_key, catch_up> catching;
  std::vector<pb::FeedSubscription> waiting;  // arrived before the tail was ready
  // Feeds end inside their own callbacks: they are retired there and
  // destroyed by the next (caf::flush_atom) message.
  std::vector<std::unique_ptr<segment_feed>> retired;
};

using tail_actor = caf::stateful_actor<tail_state>;

void start_live(tail_actor* self);
void start_catch_up(tail_actor* self, const sub_key& k);

void retire(tail_actor* self, std::unique_ptr<segment_feed> feed) {
  if (!feed) return;
  self->state.retired.push_back(std::move(feed));
  self->send(self, caf::flush_atom_v);
}

bool send(tail_actor* self, uint64_t conn, std::string frame) {
  return self->state.shared->ws->send(notify::connection_id{conn}, std::move(frame));
}

/// Ends a subscription the tail gave up on, and tells the gateway.
void end_sub(tail_actor* self, const sub_key& k, frame_errc code, const std::string& message,
             const std::string& token, bool close_connection) {
  auto& st = self->state;
  auto frame = notify::write_error(code, message, std::string_view(k.second),
                                   token.empty() ? std::nullopt : std::optional<std::string_view>(token));
  if (close_connection) {
    st.shared->ws->send_final(notify::connection_id{k.first}, std::move(frame),
                              notify::ws_close{notify::ws_close::policy_error, std::string(to_string(code))});
  } else {
    (void)send(self, k.first, std::move(frame));
  }
  st.subs.erase(k);
  if (auto c = st.catching.find(k); c != st.catching.end()) {
    retire(self, std::move(c->second.feed));
    st.catching.erase(c);
  }
  self->send(st.gateway, detach_atom_v, k.first, k.second);
}

void slow_consumer(tail_actor* self, const sub_key& k, const std::string& token) {
  ++self->state.shared->counters.slow_consumers;
  spdlog::info("event=slow_consumer conn={} sub={} table={}", k.first, k.second, self->state.name);
  end_sub(self, k, frame_errc::slow_consumer,
          "the connection fell behind its queue limit; resume from the token", token, true);
}

// ------------------------------------------------------------ live tail

void on_live_batch(tail_actor* self, feed_batch batch) {
  auto& st = self->state;
  if (!st.pos) return;
  std::vector<sub_key> slow;
  for (const auto& e : batch.events) {
    std::string before = st.token;
    st.pos->advance(batch.start, batch.end, e.position());
    st.token = st.pos->encode();
    auto kind = kind_of(e);
    if (!kind) continue;
    st.shared->counters.feed_lag_us.store(now_us() - e.timestamp_us(), std::memory_order_relaxed);
    std::string body;
    for (auto& [k, s] : st.subs) {
      if (!s.filter.matches(table_id{st.table}, e.item().hash_key(), *kind)) continue;
      if (body.empty()) body = event_body(e, st.name, st.has_range_key, st.token);
      if (!send(self, k.first, event_frame(s.id, body))) {
        slow.push_back(k);
        continue;
      }
      ++st.shared->counters.events_sent;
    }
    for (auto& k : slow) slow_consumer(self, k, before);
    slow.clear();
  }
  st.pos->advance(batch.start, batch.end, batch.through);
  st.token = st.pos->encode();
}

void on_live_ready(tail_actor* self) {
  auto& st = self->state;
  st.pos = st.live->read_position();
  st.token = st.pos->encode();
  spdlog::info("event=table_tail_ready table={} cursors={}", st.name, st.pos->cursors());
  auto waiting = std::move(st.waiting);
  st.waiting.clear();
  for (auto& sub : waiting) self->send(self, std::move(sub));
}

void on_live_failed(tail_actor* self, const error& err) {
  auto& st = self->state;
  bool gone = err.code == errc::not_found;
  spdlog::warn("event=table_tail_failed table={} error=\"{}\"", st.name, err.message);
  auto code = gone ? frame_errc::unknown_table : frame_errc::feed_compacted;
  std::vector<sub_key> all;
  for (auto& [k, s] : st.subs) all.push_back(k);
  for (auto& [k, c] : st.catching) all.push_back(k);
  for (auto& k : all) end_sub(self, k, code, err.message, gone ? std::string() : st.token, false);
  for (auto& w : st.waiting) end_sub(self, {w.connection(), w.id()}, code, err.message, {}, false);
  st.waiting.clear();
  st.pos.reset();
  retire(self, std::move(st.live));
  if (gone) return self->quit();
  // Fell behind the feed's retention: start again from now.
  self->send(self, caf::reset_atom_v);
}

void start_live(tail_actor* self) {
  auto& st = self->state;
  feed_settings fs;
  fs.wait_ms = static_cast<uint32_t>(st.shared->options.feed_wait.count());
  fs.batch = st.shared->options.feed_batch;
  fs.call_timeout = st.shared->cluster->options.segment_timeout;
  fs.from_now = true;
  fs.leader_first = st.shared->options.live_feed_from_leader;
  feed_callbacks cb;
  cb.on_batch = [self](feed_batch b) { on_live_batch(self, std::move(b)); };
  cb.on_failed = [self](const error& err) { on_live_failed(self, err); };
  cb.on_ready = [self] { on_live_ready(self); };
  st.live = std::make_unique<segment_feed>(self, st.shared->feed_client(), st.table, feed::feed_position::uniform(st.table, 0),
                                           fs, std::move(cb));
  st.live->start();
}

// ------------------------------------------------------------- catch-up

void attach_live(tail_actor* self, const pb::FeedSubscription& sub) {
  self->state.subs.emplace(sub_key{sub.connection(), sub.id()}, live_sub{make_filter(sub), sub.id()});
}

/// Where a catch-up stops for an event's key: its position in the target.
uint64_t cap_of(const feed::feed_position& target, const pb::ChangeEvent& e, const feed_batch& b) {
  std::string key = event_key(e);
  if (key < b.start) key = b.start;
  return target.at(key);
}

/// Queues the catch-up's waiting frames while the client's queue has room;
/// then resumes reading, or (all delivered up to the target) steps on.
void flush_catch_up(tail_actor* self, const sub_key& k) {
  auto& st = self->state;
  auto it = st.catching.find(k);
  if (it == st.catching.end()) return;
  catch_up& c = it->second;
  c.flush_scheduled = false;
  auto conn = notify::connection_id{k.first};
  size_t room = st.shared->options.queue_limit_bytes / catch_up_queue_share;
  while (!c.frames.empty()) {
    if (st.shared->ws->queued_bytes(conn) + c.frames.front().size() > room &&
        st.shared->ws->queued_bytes(conn) > 0) {
      c.flush_scheduled = true;
      self->delayed_send(self, drain_poll, caf::flush_atom_v, k.first, k.second);
      return;
    }
    if (!send(self, k.first, std::move(c.frames.front()))) {
      return slow_consumer(self, k, c.delivered.encode());
    }
    c.frames.pop_front();
    ++st.shared->counters.events_sent;
  }
  if (c.delivered.covers(c.target)) {
    // Caught up with the target: join the live tail, or chase it further.
    self->send(self, caf::ok_atom_v, k.first, k.second);
  } else if (c.feed) {
    c.feed->resume();
  }
}

void on_catch_up_batch(tail_actor* self, const sub_key& k, feed_batch batch) {
  auto& st = self->state;
  auto it = st.catching.find(k);
  if (it == st.catching.end()) return;
  catch_up& c = it->second;
  for (const auto& e : batch.events) {
    if (e.position() > cap_of(c.target, e, batch)) continue;  // the live tail delivers it
    c.delivered.advance_capped(batch.start, batch.end, e.position(), c.target);
    auto kind = kind_of(e);
    if (!kind || !c.filter.matches(table_id{st.table}, e.item().hash_key(), *kind)) continue;
    c.frames.push_back(event_frame(k.second, event_body(e, st.name, st.has_range_key, c.delivered.encode())));
  }
  c.delivered.advance_capped(batch.start, batch.end, batch.through, c.target);
  if (c.feed) c.feed->pause();
  if (!c.flush_scheduled) flush_catch_up(self, k);
}

/// The catch-up of `k` reached its target: live now, or a new target.
void step_catch_up(tail_actor* self, const sub_key& k) {
  auto& st = self->state;
  auto it = st.catching.find(k);
  if (it == st.catching.end() || !st.pos) return;
  catch_up& c = it->second;
  if (!c.delivered.covers(c.target)) return;
  if (!c.frames.empty()) return;  // flush_catch_up steps on once they are queued
  if (c.delivered.covers(*st.pos)) {
    spdlog::debug("event=catch_up_done conn={} sub={} table={}", k.first, k.second, st.name);
    attach_live(self, c.sub);
    retire(self, std::move(c.feed));
    st.catching.erase(it);
    return;
  }
  // The tail moved on: read on from what was delivered, up to where it is.
  c.target = *st.pos;
  retire(self, std::move(c.feed));
  start_catch_up(self, k);
}

void start_catch_up(tail_actor* self, const sub_key& k) {
  auto& st = self->state;
  catch_up& c = st.catching.at(k);
  feed_settings fs;
  fs.wait_ms = catch_up_wait_ms;
  fs.batch = catch_up_batch;
  fs.call_timeout = st.shared->cluster->options.segment_timeout;
  feed_callbacks cb;
  cb.on_batch = [self, k](feed_batch b) { on_catch_up_batch(self, k, std::move(b)); };
  cb.on_failed = [self, k](const error& err) {
    bool gone = err.code == errc::not_found;
    end_sub(self, k, gone ? frame_errc::unknown_table : frame_errc::feed_compacted, err.message, {}, false);
  };
  c.feed = std::make_unique<segment_feed>(self, st.shared->feed_client(), st.table, c.delivered, fs, std::move(cb));
  c.feed->start();
}

// ------------------------------------------------------------ subscribe

void add(tail_actor* self, pb::FeedSubscription sub) {
  auto& st = self->state;
  sub_key k{sub.connection(), sub.id()};
  if (st.subs.count(k) || st.catching.count(k)) return;  // the gateway rejects duplicates
  if (!st.pos) {
    st.waiting.push_back(std::move(sub));
    return;
  }
  if (sub.from().empty()) {
    if (!send(self, k.first, notify::write_subscribed(sub.id(), st.token))) {
      return slow_consumer(self, k, st.token);
    }
    attach_live(self, sub);
    return;
  }
  auto from = feed::feed_position::parse(sub.from());
  if (!from || from->table() != st.table) {
    std::string why = from ? "the token belongs to another table" : from.error().message;
    return end_sub(self, k, frame_errc::bad_token, why, {}, false);
  }
  if (!send(self, k.first, notify::write_subscribed(sub.id(), sub.from()))) {
    return slow_consumer(self, k, sub.from());
  }
  auto filter = make_filter(sub);
  catch_up c{std::move(sub), filter, *from, *st.pos, nullptr, {}, false};
  st.catching.emplace(k, std::move(c));
  if (from->covers(*st.pos)) {
    // At or past the tail already (a token from a notifier further ahead):
    // catch-up reads nothing new, and joins live with what it skips.
    self->send(self, caf::ok_atom_v, k.first, k.second);
    return;
  }
  start_catch_up(self, k);
}

void remove_connection(tail_actor* self, uint64_t conn) {
  auto& st = self->state;
  std::erase_if(st.subs, [conn](const auto& kv) { return kv.first.first == conn; });
  for (auto it = st.catching.begin(); it != st.catching.end();) {
    if (it->first.first == conn) {
      retire(self, std::move(it->second.feed));
      it = st.catching.erase(it);
    } else {
      ++it;
    }
  }
  std::erase_if(st.waiting, [conn](const pb::FeedSubscription& s) { return s.connection() == conn; });
}

caf::behavior table_tail(tail_actor* self, std::shared_ptr<notifier_shared> shared, caf::actor gateway,
                         uint32_t table, std::string name, bool has_range_key) {
  auto& st = self->state;
  st.shared = std::move(shared);
  st.gateway = std::move(gateway);
  st.table = table;
  st.name = std::move(name);
  st.has_range_key = has_range_key;
  start_live(self);
  return {
      [self](pb::FeedSubscription& sub) { add(self, std::move(sub)); },
      [self](detach_atom, uint64_t conn, const std::string& id) {
        auto& st = self->state;
        sub_key k{conn, id};
        st.subs.erase(k);
        if (auto c = st.catching.find(k); c != st.catching.end()) {
          retire(self, std::move(c->second.feed));
          st.catching.erase(c);
        }
        std::erase_if(st.waiting,
                      [&](const pb::FeedSubscription& s) { return s.connection() == conn && s.id() == id; });
      },
      [self](ws_close_atom, uint64_t conn) { remove_connection(self, conn); },
      [self](retry_atom, uint64_t feed, uint64_t token) {
        auto& st = self->state;
        if (st.live && st.live->id() == feed) return st.live->on_retry(token);
        for (auto& [k, c] : st.catching) {
          if (c.feed && c.feed->id() == feed) return c.feed->on_retry(token);
        }
      },
      [self](caf::ok_atom, uint64_t conn, const std::string& id) { step_catch_up(self, {conn, id}); },
      [self](caf::flush_atom, uint64_t conn, const std::string& id) { flush_catch_up(self, {conn, id}); },
      [self](caf::reset_atom) {
        if (!self->state.live) start_live(self);
      },
      [self](caf::flush_atom) { self->state.retired.clear(); },
  };
}

}  // namespace

caf::actor spawn_table_tail(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                            caf::actor gateway, uint32_t table_id, std::string table,
                            bool has_range_key) {
  return sys.spawn(table_tail, std::move(shared), std::move(gateway), table_id, std::move(table), has_range_key);
}

}  // namespace ropekv::notifier
