#include "request_runtime.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "request_actor.hpp"
#include "ropekv/net/api_router.hpp"

namespace ropekv::router {

request_runtime::request_runtime(caf::event_based_actor* self, std::shared_ptr<request_job> job)
    : self_(self), job_(std::move(job)), deadline_(job_->started + options().request_deadline) {}

int64_t request_runtime::now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void request_runtime::on_start() {
  started_ = std::chrono::steady_clock::now();
  if (background()) return;
  metrics().stage(router_stage::dispatch, std::chrono::duration<double>(started_ - job_->spawned).count());
}

void request_runtime::note_sending() {
  if (sent_any_ || background()) return;
  sent_any_ = true;
  metrics().stage(router_stage::route,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
}

std::chrono::milliseconds request_runtime::bounded(std::chrono::milliseconds wait) const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  return std::max(std::chrono::milliseconds(1), std::min(wait, left));
}

bool request_runtime::expire_if_due() {
  if (answered_) return true;
  if (std::chrono::steady_clock::now() < deadline_) return false;
  fail(net::http_error::from(errc::timeout, "request did not complete within " +
                                                std::to_string(options().request_deadline.count()) + " ms"));
  return true;
}

void request_runtime::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  if (delay.count() <= 0) {
    if (!expire_if_due()) fn();
    return;
  }
  uint64_t id = next_timer_++;
  timers_.emplace(id, std::move(fn));
  self_->delayed_send(self_, bounded(delay), tick_atom_v, id);
}

void request_runtime::fire(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto fn = std::move(it->second);
  timers_.erase(it);
  if (!expire_if_due()) fn();
}

void request_runtime::resolve(node_id node, std::function<void(caf::strong_actor_ptr)> ok,
                              std::function<void(std::string)> failed) {
  if (auto handle = job_->shared->owners.find(node.value, snapshot()->address_of(node))) {
    ok(std::move(handle));
    return;
  }
  // Connected owners are answered from the shared cache; only a miss (first
  // use, a node that moved or went down) costs a round trip to the
  // directory, which answers within connect_timeout (the margin covers its
  // own queueing).
  auto timeout = options().connect_timeout + std::chrono::milliseconds(500);
  self_->request(job_->directory, bounded(timeout), caf::resolve_atom_v, node.value)
      .then(
          [this, ok, failed, node](caf::strong_actor_ptr& handle) {
            if (expire_if_due()) return;
            if (!handle) return failed("no handle for node " + std::to_string(node.value));
            ok(std::move(handle));
          },
          [this, failed](caf::error& err) {
            if (!expire_if_due()) failed(caf::to_string(err));
          });
}

void request_runtime::resolve_address(const std::string& address,
                                      std::function<void(caf::strong_actor_ptr)> ok,
                                      std::function<void(std::string)> failed) {
  auto timeout = options().connect_timeout + std::chrono::milliseconds(500);
  self_->request(job_->directory, bounded(timeout), caf::resolve_atom_v, address)
      .then(
          [this, ok, failed, address](caf::strong_actor_ptr& handle) {
            if (expire_if_due()) return;
            if (!handle) return failed("nothing published at " + address);
            ok(std::move(handle));
          },
          [this, failed](caf::error& err) {
            if (!expire_if_due()) failed(caf::to_string(err));
          });
}

void request_runtime::refresh(uint64_t seen_version, std::function<void()> next) {
  self_->request(job_->link, bounded(options().admin_timeout), caf::update_atom_v, seen_version)
      .then(
          [this, next](uint64_t) {
            if (!expire_if_due()) next();
          },
          [this, next](caf::error&) {
            if (!expire_if_due()) next();
          });
}

void request_runtime::resolve_table(std::function<void()> next) {
  lookup_table(false, std::move(next));
}

void request_runtime::lookup_table(bool refreshed, std::function<void()> next) {
  auto snap = snapshot();
  const pb::TableSchema* t = snap->ready() ? snap->table(request().table) : nullptr;
  if (!t) {
    if (!refreshed) {
      refresh(snap->version(), [this, next] { lookup_table(true, next); });
      return;
    }
    if (!snap->ready())
      return fail(net::http_error::from(errc::unavailable, "router has no rope from placement yet"));
    return fail(net::http_error::from(errc::not_found, "no such table: " + request().table));
  }
  table_ = *t;
  if (auto ok = net::apply_table_shape(request(), !table_.range_key().empty()); !ok)
    return fail(ok.error());
  next();
}

void request_runtime::reply(net::http_response response) {
  if (answered_) return;
  answered_ = true;
  if (background()) {
    if (response.status >= 500)
      spdlog::warn("event=background_failed status={} body={}", response.status, response.body.substr(0, 300));
    job_->respond(std::move(response));
    timers_.clear();
    self_->quit();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (last_answer_ != std::chrono::steady_clock::time_point{})
    metrics().stage(router_stage::encode, std::chrono::duration<double>(now - last_answer_).count());
  auto elapsed = std::chrono::duration<double>(now - job_->started);
  metrics().record(job_->request.kind, response.status, elapsed.count());
  // Server-side failures are worth a line; client errors are the client's.
  if (response.status >= 500)
    spdlog::warn("event=request_failed route={} status={} ms={:.1f} body={}",
                 net::to_string(job_->request.kind), response.status, elapsed.count() * 1000,
                 response.body.substr(0, 300));
  metrics().inflight().dec();
  job_->respond(std::move(response));
  timers_.clear();
  self_->quit();
}

void request_runtime::spawn_background(std::function<void(request_runtime&)> entry) const {
  spawn_background_job(self_->system(), job_->shared, job_->directory, job_->link, std::move(entry));
}

}  // namespace ropekv::router
