#pragma once
// request_runtime: the per-request context inside one short-lived request
// actor -- the parsed request, its responder, timers, and the asynchronous
// steps every handler needs (resolve an owner, refresh the rope, answer).
//
// Who touches it: only its request actor, on that actor's thread, so none
// of it is synchronised. Callbacks given to it run later on the same actor;
// once the request is answered the actor quits and pending callbacks are
// dropped with it (they hold no resources that need closing).
//
// Invariant: the client gets exactly one response -- reply()/fail() answer
// at most once. The deadline bounds every wait the request starts (each
// timeout is clamped to what is left of it) and is checked whenever a wait
// ends, so past it the client gets 503 `timeout` and no further step runs.
// (No deadline timer of its own: one delayed message per request kept
// CAF's clock thread busy, docs/performance.md.)
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "owner_directory.hpp"
#include "placement_link.hpp"
#include "ropekv/net/api_request.hpp"
#include "ropekv/net/http_error.hpp"
#include "ropekv/net/responder.hpp"
#include "router_shared.hpp"

namespace ropekv::router {

class request_runtime;

/// What the HTTP handler hands to a new request actor.
struct request_job {
  net::api_request request;
  net::responder respond;
  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point spawned;  // handed to its request actor
  std::shared_ptr<router_shared> shared;
  owner_directory_actor directory;
  placement_link_actor link;
  /// A background job (lock resolution after a commit, the lock sweep):
  /// runs `entry` instead of a route handler; its "response" goes nowhere
  /// and is not counted as a request.
  std::function<void(request_runtime&)> entry;
};

class request_runtime {
 public:
  request_runtime(caf::event_based_actor* self, std::shared_ptr<request_job> job);

  caf::event_based_actor* self() const noexcept { return self_; }
  const router_options& options() const noexcept { return job_->shared->options; }
  router_metrics& metrics() const noexcept { return job_->shared->metrics; }
  std::shared_ptr<const routing_snapshot> snapshot() const { return job_->shared->routes.load(); }
  const net::api_request& request() const noexcept { return job_->request; }
  net::api_request& request() noexcept { return job_->request; }
  placement_link_actor link() const { return job_->link; }
  uint64_t spread() const noexcept { return job_->shared->spread.fetch_add(1); }
  static int64_t now_ms();

  /// The request's table, once resolve_table() succeeded.
  const pb::TableSchema& table() const noexcept { return table_; }
  /// Looks the request's table up (refreshing the rope once when unknown:
  /// another router may just have created it), applies the table's shape
  /// to item requests (net::apply_table_shape), then calls `next`. Answers
  /// 404 / 400 / 503 itself.
  void resolve_table(std::function<void()> next);

  /// Runs `fn` after `delay` (at once for zero), unless the deadline passed
  /// by then (then the client gets 503 `timeout`).
  void after(std::chrono::milliseconds delay, std::function<void()> fn);
  /// `wait` clamped to what is left of the deadline (at least 1 ms).
  std::chrono::milliseconds bounded(std::chrono::milliseconds wait) const;
  /// Past the deadline: answers 503 `timeout` (once) and returns true. Every
  /// step that ends a wait calls this first.
  bool expire_if_due();
  /// Timer expiry (the actor's (tick_atom, id) handler).
  void fire(uint64_t id);

  /// The handle of node's owner, connecting when needed.
  void resolve(node_id node, std::function<void(caf::strong_actor_ptr)> ok,
               std::function<void(std::string)> failed);
  /// The handle of the service published at "host:port" (an indexer).
  void resolve_address(const std::string& address, std::function<void(caf::strong_actor_ptr)> ok,
                       std::function<void(std::string)> failed);
  /// Asks the placement link for a rope newer than `seen_version`, then
  /// calls `next` (also on failure: the caller re-plans on what it has).
  void refresh(uint64_t seen_version, std::function<void()> next);

  void reply(net::http_response response);
  void reply_json(unsigned status, std::string body) { reply(net::json_response(status, std::move(body))); }
  void fail(const net::http_error& err) { reply(net::error_response(err)); }
  bool answered() const noexcept { return answered_; }

  /// Starts `entry` on a new request actor of its own, with this request's
  /// cluster handles: work that outlives this request's answer. The job
  /// ends when entry's steps call reply()/fail() or its deadline passes.
  void spawn_background(std::function<void(request_runtime&)> entry) const;
  bool background() const noexcept { return static_cast<bool>(job_->entry); }

  /// The request actor runs (the dispatch stage ends); called once.
  void on_start();
  /// A segment call got its answer now (the encode stage starts).
  void note_answer() { last_answer_ = std::chrono::steady_clock::now(); }
  /// A segment call is being sent now (the first one ends the route stage).
  void note_sending();

 private:
  void lookup_table(bool refreshed, std::function<void()> next);

  caf::event_based_actor* self_;
  std::shared_ptr<request_job> job_;
  pb::TableSchema table_;
  std::map<uint64_t, std::function<void()>> timers_;
  uint64_t next_timer_ = 1;
  bool answered_ = false;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point started_{};
  std::chrono::steady_clock::time_point last_answer_{};
  bool sent_any_ = false;
};

}  // namespace ropekv::router
