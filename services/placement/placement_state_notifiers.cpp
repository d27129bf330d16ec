// placement_state: notifier registration, liveness, and which notifier
// holds which hook (DESIGN §7). Placement decides the assignment; notifiers
// only report delivery state for the hooks they hold.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "placement_state.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::RegisterNotifierReply register_error(const error& e) {
  pb::RegisterNotifierReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

// The fields a report may change: everything but the assignment.
void take_report(pb::HookState& mine, const pb::HookState& reported) {
  uint64_t holder = mine.notifier_id();
  mine = reported;
  mine.set_notifier_id(holder);
}

}  // namespace

pb::RegisterNotifierReply placement_state::register_notifier(const pb::RegisterNotifier& req,
                                                             time_point now) {
  pb::NotifierDescriptor desc = req.notifier();
  if (desc.address().empty())
    return register_error(
        make_error(errc::invalid_argument, "a notifier needs its CAF endpoint address"));
  uint64_t id = desc.id();
  if (id != 0 && !notifiers_.count(id)) {
    // Ids come from a persisted allocator, so an id at or below the last one
    // issued is this notifier's own (placement restarted, or it timed out);
    // anything else (another catalog's id) gets a fresh one.
    auto last = db_->last_id(catalog::id_kind::notifier);
    if (!last) return register_error(last.error());
    if (id > *last) {
      spdlog::warn("event=notifier_id_unknown id={} last_issued={} action=new_id", id, *last);
      id = 0;
    }
  }
  if (id == 0) {
    auto fresh = db_->allocate_id(catalog::id_kind::notifier);
    if (!fresh) return register_error(fresh.error());
    id = *fresh;
  }
  desc.set_id(id);
  auto it = notifiers_.find(id);
  if (it == notifiers_.end()) {
    notifiers_[id] = notifier_entry{desc, now};
    meta_changed_ = true;
    spdlog::info("event=notifier_registered notifier={} address={} ws_url={} live={}", id,
                 desc.address(), desc.ws_url(), notifiers_.size());
    assign_hooks(now);
  } else {
    if (it->second.desc.SerializeAsString() != desc.SerializeAsString()) {
      it->second.desc = desc;
      meta_changed_ = true;
    }
    it->second.last_seen = now;
    spdlog::info("event=notifier_reregistered notifier={} address={}", id, desc.address());
  }
  pb::RegisterNotifierReply r;
  r.set_notifier_id(id);
  return r;
}

pb::Status placement_state::notifier_heartbeat(const pb::NotifierHeartbeat& hb, time_point now) {
  auto it = notifiers_.find(hb.notifier_id());
  if (it == notifiers_.end())
    return to_status(make_error(
        errc::not_found, "unknown notifier " + std::to_string(hb.notifier_id()) + ": register again"));
  it->second.last_seen = now;
  for (const auto& rep : hb.hooks()) {
    auto h = hooks_.find(rep.name());
    if (h == hooks_.end() || h->second.hook.state().notifier_id() != hb.notifier_id()) {
      // A hook dropped or moved since the notifier last heard: stale.
      spdlog::debug("event=hook_report_ignored hook={} notifier={}", rep.name(), hb.notifier_id());
      continue;
    }
    hook_entry& e = h->second;
    pb::HookState next = e.hook.state();
    take_report(next, rep.state());
    // An idle hook reports the same state every beat: no write for that.
    if (next.SerializeAsString() != e.hook.state().SerializeAsString()) {
      *e.hook.mutable_state() = std::move(next);
      e.unsaved = true;
    }
    if (e.unsaved && now - e.saved >= opt_.hook_save_interval) (void)save_hook(e, now);
  }
  return pb::Status{};
}

void placement_state::notifier_down(uint64_t id, time_point now) {
  if (notifiers_.count(id)) remove_notifier(id, "handle_down", now);
}

void placement_state::expire_notifiers(time_point now) {
  std::vector<uint64_t> silent;
  for (const auto& [id, n] : notifiers_) {
    if (now - n.last_seen >= opt_.notifier_timeout) silent.push_back(id);
  }
  for (uint64_t id : silent) remove_notifier(id, "timeout", now);
}

void placement_state::remove_notifier(uint64_t id, const char* why, time_point now) {
  auto it = notifiers_.find(id);
  if (it == notifiers_.end()) return;
  spdlog::warn("event=notifier_down notifier={} address={} why={} silent_ms={}", id,
               it->second.desc.address(), why,
               std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.last_seen).count());
  notifiers_.erase(it);
  meta_changed_ = true;
  out_.notifiers_gone.push_back(id);
  // Save what the dead holder last reported before anyone else takes over:
  // the next holder resumes from that cursor (at-least-once).
  for (auto& [name, h] : hooks_) {
    if (h.hook.state().notifier_id() != id) continue;
    if (h.unsaved) (void)save_hook(h, now);
    h.hook.mutable_state()->set_notifier_id(0);
  }
  assign_hooks(now);
}

void placement_state::assign_hooks(time_point now) {
  std::map<uint64_t, size_t> held;
  for (const auto& [id, n] : notifiers_) held[id] = 0;
  for (const auto& [name, h] : hooks_) {
    auto it = held.find(h.hook.state().notifier_id());
    if (it != held.end()) ++it->second;
  }
  for (auto& [name, h] : hooks_) {
    uint64_t holder = h.hook.state().notifier_id();
    if (holder != 0 && held.count(holder)) continue;
    uint64_t to = 0;
    if (!held.empty()) {
      auto least = std::min_element(held.begin(), held.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
      to = least->first;
      ++least->second;
    }
    if (to == holder) continue;
    if (h.unsaved) (void)save_hook(h, now);
    h.hook.mutable_state()->set_notifier_id(to);
    meta_changed_ = true;
    spdlog::info("event=hook_assigned hook={} notifier={} from={}", name, to, holder);
  }
}

}  // namespace ropekv::placement_service
