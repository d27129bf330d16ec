#include "hook_worker.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include <deque>
#include <optional>
#include <random>

#include "event_frame.hpp"
#include "ropekv/notify/subscription_filter.hpp"
#include "ropekv/webhook/hook_validation.hpp"
#include "segment_feed.hpp"

namespace ropekv::notifier {
namespace {

using clock = std::chrono::system_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock::now().time_since_epoch()).count();
}

/// One matching event waiting for its 2xx, or (no body) a marker that the
/// range was read further without anything to deliver.
struct pending {
  std::string id;                  // webhook-id, stable across retries
  std::string body;                // exactly the bytes signed and sent; empty: marker
  feed::feed_position after;       // the cursor once this one is done
  int64_t timestamp_us = 0;        // the event's commit time (backlog age)
};

struct worker_state {
  std::shared_ptr<notifier_shared> shared;
  caf::actor gateway;
  pb::HookSpec spec;
  std::optional<webhook::validated_hook> def;          // url, secret, kinds: parsed once
  std::optional<notify::subscription_filter> filter;   // the hook's table and prefix
  uint32_t table = 0;
  bool has_range_key = false;

  std::unique_ptr<segment_feed> feed;
  std::optional<feed::feed_position> delivered;  // the committed cursor
  std::deque<pending> queue;
  pb::HookState state;
  std::mt19937_64 rng{std::random_device{}()};
  bool delivery_scheduled = false;

  static inline const char* name = "ropekv.notifier.hook_worker";
};

using worker_actor = caf::stateful_actor<worker_state>;

std::string event_id(const pb::ChangeEvent& e) {
  std::string id = "evt_" + std::to_string(e.item().table_id()) + "_" + std::to_string(e.partition()) + "_" +
                   std::to_string(e.version());
  if (e.kind() == pb::CHANGE_ROLLBACK) id += "_rollback";
  return id;
}

void report(worker_actor* self) {
  auto& st = self->state;
  st.state.set_notifier_id(st.shared->notifier_id.load());
  if (st.delivered) st.state.set_cursor(st.delivered->to_token().SerializeAsString());
  uint64_t events = 0;
  int64_t oldest_us = 0;
  for (auto& p : st.queue) {
    if (p.body.empty()) continue;
    if (events++ == 0) oldest_us = p.timestamp_us;
  }
  st.state.set_pending(events);
  st.shared->backlogs.set(st.spec.name(), {events, oldest_us});
  pb::HookReport r;
  r.set_name(st.spec.name());
  *r.mutable_state() = st.state;
  self->send(st.gateway, std::move(r));
}

void schedule_delivery(worker_actor* self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  if (st.delivery_scheduled) return;
  st.delivery_scheduled = true;
  if (delay.count() <= 0) self->send(self, caf::ok_atom_v);
  else self->delayed_send(self, delay, caf::ok_atom_v);
}

void on_batch(worker_actor* self, feed_batch batch) {
  auto& st = self->state;
  if (!st.delivered) return;
  feed::feed_position pos = st.queue.empty() ? *st.delivered : st.queue.back().after;
  for (const auto& e : batch.events) {
    pos.advance(batch.start, batch.end, e.position());
    auto kind = kind_of(e);
    if (!kind || !st.def->events.matches(e.kind()) ||
        !st.filter->matches(table_id{st.table}, e.item().hash_key(), *kind)) {
      continue;
    }
    std::string id = event_id(e);
    std::string body = event_body(e, st.spec.table(), st.has_range_key, pos.encode());
    body = "{\"id\":\"" + id + "\",\"hook\":\"" + st.spec.name() + "\"" + body;
    st.queue.push_back(pending{std::move(id), std::move(body), pos, e.timestamp_us()});
  }
  pos.advance(batch.start, batch.end, batch.through);
  if (!(pos == (st.queue.empty() ? *st.delivered : st.queue.back().after))) {
    st.queue.push_back(pending{{}, {}, pos});
  }
  if (!st.queue.empty()) {
    st.feed->pause();  // one batch at a time: memory stays bounded
    schedule_delivery(self, std::chrono::milliseconds(0));
  }
  report(self);  // the backlog grew: /metrics shows it before the first attempt
}

/// Commits the cursor after `p` in the delivery file.
void commit(worker_actor* self, const pending& p, uint32_t status) {
  auto& st = self->state;
  st.delivered = p.after;
  std::string cursor = p.after.to_token().SerializeAsString();
  uint64_t events = p.body.empty() ? 0 : 1;
  if (auto r = st.shared->deliveries->commit_success(st.spec.name(), cursor, status, now_ms(), events); !r) {
    spdlog::error("event=hook_commit_failed hook={} error=\"{}\"", st.spec.name(), r.error().message);
  }
  if (events) {
    st.state.set_delivered(st.state.delivered() + 1);
    st.state.set_last_status(status);
    st.state.set_last_success_ms(now_ms());
    st.state.set_last_attempt_ms(now_ms());
    st.state.set_attempts(0);
    st.state.set_failing(false);
    st.state.clear_last_error();
    st.state.set_next_attempt_ms(0);
  }
}

void deliver(worker_actor* self) {
  auto& st = self->state;
  st.delivery_scheduled = false;
  // Markers first: they only move the cursor.
  while (!st.queue.empty() && st.queue.front().body.empty()) {
    commit(self, st.queue.front(), st.state.last_status());
    st.queue.pop_front();
  }
  if (st.queue.empty()) {
    report(self);
    return st.feed->resume();
  }
  int64_t wait = st.state.next_attempt_ms() - now_ms();
  if (wait > 0) return schedule_delivery(self, std::chrono::milliseconds(wait));
  const pending& p = st.queue.front();
  webhook::webhook_message msg;
  msg.id = p.id;
  msg.body = p.body;
  msg.timestamp_s = now_ms() / 1000;
  auto res = st.shared->poster->post(st.def->url, msg, st.def->key);
  if (res.delivered()) {
    ++st.shared->counters.hook_deliveries;
    commit(self, p, res.status);
    st.queue.pop_front();
    report(self);
    return schedule_delivery(self, std::chrono::milliseconds(0));
  }
  ++st.shared->counters.hook_failures;
  uint32_t attempts = st.state.attempts() + 1;
  webhook::failure_hint hint{res.status, res.retry_after_s};
  auto delay = st.shared->schedule.delay_before(attempts + 1, st.rng, hint);
  bool failing = !delay;
  if (failing) {
    // The schedule ran out: keep trying at its last delay, never skip.
    delay = webhook::jitter(st.shared->schedule.delays().back(), st.rng);
  }
  int64_t next = now_ms() + delay->count();
  st.state.set_attempts(attempts);
  st.state.set_last_status(res.status);
  st.state.set_last_error(res.error.empty() ? "HTTP " + std::to_string(res.status) : res.error);
  st.state.set_last_attempt_ms(now_ms());
  st.state.set_next_attempt_ms(next);
  st.state.set_failing(failing);
  if (auto r = st.shared->deliveries->record_failure(st.spec.name(), res.status, st.state.last_error(), attempts,
                                                     next, failing, now_ms());
      !r) {
    spdlog::error("event=hook_record_failed hook={} error=\"{}\"", st.spec.name(), r.error().message);
  }
  if (attempts == 1 || failing) {
    spdlog::warn("event=hook_delivery_failed hook={} event_id={} status={} attempts={} failing={} error=\"{}\"",
                 st.spec.name(), p.id, res.status, attempts, failing, st.state.last_error());
  }
  report(self);
  schedule_delivery(self, *delay);
}

/// Where delivery starts: the later of the local and placement's cursor.
std::optional<feed::feed_position> starting_cursor(worker_actor* self, const pb::Hook& hook) {
  auto& st = self->state;
  std::optional<feed::feed_position> from_placement, local;
  pb::FeedToken t;
  if (!hook.state().cursor().empty() && t.ParseFromString(hook.state().cursor())) {
    if (auto p = feed::feed_position::from_token(t); p && p->table() == st.table) from_placement = *p;
  }
  if (auto row = st.shared->deliveries->load(st.spec.name()); row && *row && !(*row)->cursor.empty()) {
    pb::FeedToken lt;
    if (lt.ParseFromString((*row)->cursor)) {
      if (auto p = feed::feed_position::from_token(lt); p && p->table() == st.table) local = *p;
    }
  }
  if (local && (!from_placement || local->covers(*from_placement))) return local;
  return from_placement;
}

void start_feed(worker_actor* self, std::optional<feed::feed_position> from) {
  auto& st = self->state;
  feed_settings fs;
  fs.wait_ms = static_cast<uint32_t>(st.shared->options.feed_wait.count());
  fs.batch = st.shared->options.feed_batch;
  fs.call_timeout = st.shared->cluster->options.segment_timeout;
  fs.from_now = !from;
  feed_callbacks cb;
  cb.on_batch = [self](feed_batch b) { on_batch(self, std::move(b)); };
  cb.on_failed = [self](const error& err) {
    auto& st = self->state;
    spdlog::error("event=hook_feed_failed hook={} error=\"{}\"", st.spec.name(), err.message);
    st.state.set_failing(true);
    st.state.set_last_error(err.message);
    report(self);
  };
  cb.on_ready = [self] {
    auto& st = self->state;
    st.delivered = st.feed->read_position();
    commit(self, pending{{}, {}, *st.delivered}, 0);
    report(self);
  };
  st.delivered = from;
  st.feed = std::make_unique<segment_feed>(self, st.shared->feed_client(), st.table, from.value_or(feed::feed_position::uniform(st.table, 0)),
                                           fs, std::move(cb));
  st.feed->start();
}

/// Starts delivering once the hook is usable; false (and reported) while
/// it is not -- placement validated it, but this notifier may not know
/// its table yet.
bool try_start(worker_actor* self, const pb::Hook& hook) {
  auto& st = self->state;
  auto def = webhook::validate_hook(st.spec);  // placement's rules: it passes
  auto snap = st.shared->cluster->routes.load();
  const pb::TableSchema* schema = snap->table(st.spec.table());
  if (!def || schema == nullptr) {
    std::string why = !def ? def.error().message : "table " + st.spec.table() + " is not known here";
    if (!st.state.failing()) spdlog::error("event=hook_unusable hook={} why=\"{}\"", st.spec.name(), why);
    st.state.set_failing(true);
    st.state.set_last_error(why);
    report(self);
    return false;
  }
  st.def = std::move(*def);
  st.table = schema->id();
  st.has_range_key = !schema->range_key().empty();
  st.filter = notify::subscription_filter::with_prefix(table_id{st.table}, st.def->prefix);
  st.state.set_failing(false);
  st.state.clear_last_error();
  start_feed(self, starting_cursor(self, hook));
  return true;
}

caf::behavior hook_worker(worker_actor* self, std::shared_ptr<notifier_shared> shared, caf::actor gateway,
                          pb::Hook hook) {
  auto& st = self->state;
  st.shared = std::move(shared);
  st.gateway = std::move(gateway);
  st.spec = hook.spec();
  st.state = hook.state();
  self->attach_functor([shared = st.shared, name = st.spec.name()] { shared->backlogs.erase(name); });
  if (!try_start(self, hook)) self->delayed_send(self, std::chrono::seconds(1), caf::reset_atom_v);
  return {
      [self, hook](caf::reset_atom) {
        if (self->state.feed) return;
        if (!try_start(self, hook)) self->delayed_send(self, std::chrono::seconds(1), caf::reset_atom_v);
      },
      [self](retry_atom, uint64_t feed, uint64_t token) {
        if (self->state.feed && self->state.feed->id() == feed) self->state.feed->on_retry(token);
      },
      [self](caf::ok_atom) { deliver(self); },
  };
}

}  // namespace

caf::actor spawn_hook_worker(caf::actor_system& sys, std::shared_ptr<notifier_shared> shared,
                             caf::actor gateway, pb::Hook hook) {
  return sys.spawn<caf::detached>(hook_worker, std::move(shared), std::move(gateway), std::move(hook));
}

}  // namespace ropekv::notifier
