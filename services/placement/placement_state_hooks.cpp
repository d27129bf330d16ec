// placement_state: webhook definitions (PUT/GET/DELETE /v1/hooks) and their
// persisted delivery state.
#include <spdlog/spdlog.h>

#include "hook_validation.hpp"
#include "placement_state.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::HookReply hook_error(const error& e) {
  pb::HookReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

// What routers (and so HTTP clients) see: never the secret.
pb::Hook redacted(pb::Hook h) {
  h.mutable_spec()->clear_secret();
  return h;
}

}  // namespace

pb::HookReply placement_state::put_hook(const pb::PutHookRequest& req, int64_t wall_ms,
                                        time_point now) {
  auto spec = validate_hook_spec(req.spec());
  if (!spec) return hook_error(spec.error());
  if (!tables_.count(spec->table()))
    return hook_error(make_error(errc::not_found, "table " + spec->table() + " does not exist"));
  auto it = hooks_.find(spec->name());
  const bool created = it == hooks_.end();
  pb::Hook hook;
  *hook.mutable_spec() = *spec;
  if (created) {
    hook.set_created_ms(wall_ms);
  } else {
    const pb::Hook& old = it->second.hook;
    hook.set_created_ms(old.created_ms());
    if (old.spec().table() == spec->table()) {
      *hook.mutable_state() = old.state();
    } else {
      // A cursor names positions of one table's feed: a new table starts over.
      hook.mutable_state()->set_notifier_id(old.state().notifier_id());
    }
  }
  // Save a copy with the in-memory state: the catalog must not fall behind
  // a cursor the old entry had not yet saved.
  if (auto st = db_->put_hook(hook); !st) return hook_error(st.error());
  bool changed = created || it->second.hook.spec().SerializeAsString() != spec->SerializeAsString();
  hook_entry& e = hooks_[spec->name()];
  e.hook = std::move(hook);
  e.unsaved = false;
  e.saved = now;
  if (changed) meta_changed_ = true;
  assign_hooks(now);
  spdlog::info("event=hook_{} hook={} table={} url={} notifier={}", created ? "created" : "replaced",
               e.hook.spec().name(), e.hook.spec().table(), e.hook.spec().url(),
               e.hook.state().notifier_id());
  pb::HookReply r;
  *r.mutable_hook() = redacted(e.hook);
  r.set_created(created);
  return r;
}

pb::HooksReply placement_state::list_hooks() const {
  pb::HooksReply r;
  for (const auto& [name, h] : hooks_) *r.add_hooks() = redacted(h.hook);
  return r;
}

pb::HookReply placement_state::get_hook(const std::string& name) const {
  auto it = hooks_.find(name);
  if (it == hooks_.end()) return hook_error(make_error(errc::not_found, "no hook " + name));
  pb::HookReply r;
  *r.mutable_hook() = redacted(it->second.hook);
  return r;
}

pb::HookReply placement_state::drop_hook(const std::string& name) {
  auto it = hooks_.find(name);
  if (it == hooks_.end()) return hook_error(make_error(errc::not_found, "no hook " + name));
  if (auto st = db_->drop_hook(name); !st && st.error().code != errc::not_found)
    return hook_error(st.error());
  pb::HookReply r;
  *r.mutable_hook() = redacted(it->second.hook);
  hooks_.erase(it);
  meta_changed_ = true;
  spdlog::info("event=hook_dropped hook={}", name);
  return r;
}

status placement_state::save_hook(hook_entry& h, time_point now) {
  if (auto st = db_->put_hook(h.hook); !st) {
    spdlog::error("event=hook_save_failed hook={} error=\"{}\"", h.hook.spec().name(),
                  st.error().message);
    return st;
  }
  h.unsaved = false;
  h.saved = now;
  return {};
}

void placement_state::save_hook_states(time_point now, bool all) {
  for (auto& [name, h] : hooks_) {
    if (h.unsaved && (all || now - h.saved >= opt_.hook_save_interval)) (void)save_hook(h, now);
  }
}

}  // namespace ropekv::placement_service
