#pragma once
// route_table: the router's current routing_snapshot, published through an
// atomic shared pointer.
//
// Who touches it: one writer (the placement link actor) installs snapshots;
// any number of readers (HTTP I/O threads, request actors) load() one and
// keep using that version for the whole of a request attempt, without
// locks. A reader never sees a half-applied update: snapshots are immutable
// and swapped whole. (libstdc++ makes atomic<shared_ptr> safe with a spin
// bit held only while a reference count is bumped -- no mutex, no waiting
// on a writer that is building a snapshot.)
#include <atomic>
#include <memory>

#include "routing_snapshot.hpp"

namespace ropekv::router {

class route_table {
 public:
  route_table() : current_(std::make_shared<const routing_snapshot>()) {}

  /// The current snapshot; never null (empty before the first update).
  std::shared_ptr<const routing_snapshot> load() const noexcept {
    return current_.load(std::memory_order_acquire);
  }

  /// Applies `update` to the current snapshot and publishes the result.
  /// Single writer only: a concurrent apply() could lose an update.
  result<update_outcome> apply(const pb::RopeUpdate& update) {
    auto base = load();
    auto r = apply_rope_update(*base, update);
    if (!r) return std::move(r).error();
    if (r->outcome == update_outcome::applied)
      current_.store(std::move(r->snapshot), std::memory_order_release);
    return r->outcome;
  }

 private:
  std::atomic<std::shared_ptr<const routing_snapshot>> current_;
};

}  // namespace ropekv::router
