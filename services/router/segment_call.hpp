#pragma once
// segment_call: one typed request to a segment, retried per retry_policy
// until it has a final reply, all asynchronously on the request actor.
//
//   call_segment<pb::GetRequest, pb::GetReply>(rt, {
//       .op = op_class::read,
//       .plan = [key](const routing_snapshot& s) { return target_for_key(s, key); },
//       .build = [..](const segment_target& t) { ...; return req; },
//       .done = [..](net::http_result<pb::GetReply> r) { ... }});
//
// `done` runs exactly once (unless the request is answered first), with the
// reply when its status is final (ok, or an error the client must see: the
// caller maps it) or with the error that ended the retries (503). With a
// `plan`, wrong_segment refreshes the rope and re-plans inside the call;
// without one (`target` fixed: walks, fan-outs), it ends the call with
// errc::wrong_segment so the caller re-plans its whole operation.
//
// A reply `locked` (an item held by a pending transaction) is waited out:
// the same request is sent again after a backoff while the lock is younger
// than txn_lock_ttl, and once it is older the transaction is ended from
// here (txn_resolver.hpp) before asking again. With resolve_locks false
// (transaction steps), `locked` is a final reply for the caller.
#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include "request_runtime.hpp"
#include "retry_policy.hpp"
#include "txn_resolver.hpp"
#include "ropekv/net/actor_interfaces.hpp"

namespace ropekv::router {

template <class Request, class Reply>
struct call_spec {
  op_class op = op_class::read;
  bool eventual = false;
  std::function<net::http_result<segment_target>(const routing_snapshot&)> plan;
  std::optional<segment_target> target;  // when there is no plan
  std::function<Request(const segment_target&)> build;
  std::function<void(net::http_result<Reply>)> done;
  bool resolve_locks = true;
};

// The lock a reply names, for the replies that can name one.
inline const pb::LockInfo* lock_of(const pb::GetReply& r) { return r.has_lock() ? &r.lock() : nullptr; }
inline const pb::LockInfo* lock_of(const pb::ItemsReply& r) { return r.has_lock() ? &r.lock() : nullptr; }
inline const pb::LockInfo* lock_of(const pb::WriteReply& r) {
  return r.result().has_lock() ? &r.result().lock() : nullptr;
}
template <class Reply>
const pb::LockInfo* lock_of(const Reply&) {
  return nullptr;
}

template <class Request, class Reply>
class segment_call : public std::enable_shared_from_this<segment_call<Request, Reply>> {
 public:
  segment_call(request_runtime& rt, call_spec<Request, Reply> spec) : rt_(rt), spec_(std::move(spec)) {}

  void start() {
    if (spec_.plan) return plan_and_send();
    state_.current = first_replica(*spec_.target, spec_.eventual, rt_.spread());
    attempt();
  }

 private:
  void plan_and_send() {
    if (rt_.expire_if_due()) return;
    auto snap = rt_.snapshot();
    auto t = spec_.plan(*snap);
    if (!t) {
      // A gap or no rope yet: the rope is behind; anything else is final.
      if (t.error().code != to_string(errc::unavailable) ||
          state_.attempts >= rt_.options().retry.max_attempts)
        return finish(std::move(t).error());
      ++state_.attempts;
      auto self = this->shared_from_this();
      uint64_t seen = snap->version();
      rt_.after(backoff(rt_.options().retry, state_.attempts),
                [self, seen] { self->rt_.refresh(seen, [self] { self->plan_and_send(); }); });
      return;
    }
    spec_.target = std::move(*t);
    state_.tried.clear();
    state_.full.clear();
    state_.current = first_replica(*spec_.target, spec_.eventual, rt_.spread());
    attempt();
  }

  void attempt() {
    if (rt_.expire_if_due()) return;
    ++state_.attempts;
    auto self = this->shared_from_this();
    rt_.resolve(
        state_.current, [self](caf::strong_actor_ptr handle) { self->send(std::move(handle)); },
        [self](std::string why) {
          self->on_outcome(attempt_outcome{outcome_kind::connect_failed, {}, std::move(why)});
        });
  }

  void send(caf::strong_actor_ptr handle) {
    auto self = this->shared_from_this();
    auto segment = caf::actor_cast<net::segment_actor>(std::move(handle));
    rt_.note_sending();
    auto sent = std::chrono::steady_clock::now();
    rt_.self()
        ->request(segment, rt_.bounded(rt_.options().segment_timeout), spec_.build(*spec_.target))
        .then(
            [self, sent](Reply& reply) {
              self->answered_after(sent);
              if (self->rt_.expire_if_due()) return;
              const pb::Status& st = reply.status();
              if (static_cast<errc>(st.error_code()) == errc::locked && self->spec_.resolve_locks) {
                if (const pb::LockInfo* lock = lock_of(reply)) return self->wait_out(*lock, std::move(reply));
              }
              auto kind = classify_status(st.error_code());
              if (kind == outcome_kind::final_reply) return self->finish(std::move(reply));
              self->on_outcome(attempt_outcome{kind, node_id{st.leader_hint()}, st.message()});
            },
            [self, sent](caf::error& err) {
              self->answered_after(sent);
              if (self->rt_.expire_if_due()) return;
              auto kind = err == caf::sec::request_timeout ? outcome_kind::timeout : outcome_kind::down;
              self->on_outcome(attempt_outcome{kind, {}, caf::to_string(err)});
            });
  }

  // At most this many waits for locks; then the `locked` reply is final.
  static constexpr uint32_t max_lock_waits = 100;

  void wait_out(const pb::LockInfo& lock, Reply reply) {
    if (++lock_waits_ > max_lock_waits) return finish(std::move(reply));
    auto self = this->shared_from_this();
    if (lock.age_ms() < static_cast<uint64_t>(rt_.options().txn_lock_ttl.count())) {
      auto wait = std::min(backoff(rt_.options().retry, lock_waits_), std::chrono::milliseconds(50));
      rt_.after(wait, [self] { self->attempt(); });
      return;
    }
    resolve_lock(rt_, lock, [self](bool) { self->attempt(); });
  }

  void answered_after(std::chrono::steady_clock::time_point sent) {
    rt_.note_answer();
    rt_.metrics().stage(router_stage::owner_rpc,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count());
  }

  void on_outcome(attempt_outcome outcome) {
    state_.tried.push_back(state_.current);
    if (outcome.kind == outcome_kind::insufficient_storage) state_.full.push_back(state_.current);
    auto d = decide(rt_.options().retry, spec_.op, *spec_.target, state_, outcome);
    auto self = this->shared_from_this();
    using action = retry_decision::action;
    switch (d.what) {
      case action::finish:  // decide() never finishes a non-final outcome
      case action::give_up:
        return finish(net::http_error::from(d.code, d.message));
      case action::retry_node:
        rt_.metrics().retry(outcome.kind == outcome_kind::not_leader ? retry_reason::not_leader
                                                                      : retry_reason::transport);
        state_.current = d.node;
        rt_.after(d.delay, [self] { self->attempt(); });
        return;
      case action::refresh:
        rt_.metrics().retry(retry_reason::wrong_segment);
        if (!spec_.plan)
          return finish(net::http_error::from(errc::wrong_segment, outcome.message));
        rt_.after(d.delay, [self] {
          self->rt_.refresh(self->spec_.target->rope_version, [self] { self->plan_and_send(); });
        });
        return;
    }
  }

  void finish(net::http_result<Reply> r) {
    if (done_) return;
    done_ = true;
    spec_.done(std::move(r));
  }

  request_runtime& rt_;
  call_spec<Request, Reply> spec_;
  retry_state state_;
  uint32_t lock_waits_ = 0;
  bool done_ = false;
};

template <class Request, class Reply>
void call_segment(request_runtime& rt, call_spec<Request, Reply> spec) {
  std::make_shared<segment_call<Request, Reply>>(rt, std::move(spec))->start();
}

}  // namespace ropekv::router
