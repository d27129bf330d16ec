// placement_state: indexer registration, liveness, progress reports, and
// which indexers hold which global secondary index. Placement decides the
// assignment; indexers only report on the replicas they hold (they learn
// their assignment from RopeUpdate.indexes and backfill on their own).
#include <spdlog/spdlog.h>

#include <algorithm>

#include "placement_state.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::RegisterIndexerReply register_error(const error& e) {
  pb::RegisterIndexerReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

pb::IndexReplicaState* replica_of(pb::IndexDescriptor& d, uint64_t indexer) {
  for (auto& r : *d.mutable_replicas()) {
    if (r.indexer_id() == indexer) return &r;
  }
  return nullptr;
}

bool holds(const pb::IndexDescriptor& d, uint64_t indexer) {
  return std::any_of(d.replicas().begin(), d.replicas().end(),
                     [&](const auto& r) { return r.indexer_id() == indexer; });
}

// What subscribers hear at once: routers query only ACTIVE replicas, and an
// error or a rebuild is what an operator looks for.
bool is_news(const pb::IndexReplicaState& a, const pb::IndexReplicaState& b) {
  return a.phase() != b.phase() || a.last_error() != b.last_error() || a.rebuilds() != b.rebuilds();
}

// Progress worth a (throttled) update: any number moved. reported_ms moves
// on every beat, so it alone is not progress.
bool is_progress(pb::IndexReplicaState a, pb::IndexReplicaState b) {
  a.clear_reported_ms();
  b.clear_reported_ms();
  return a.SerializeAsString() != b.SerializeAsString();
}

}  // namespace

pb::RegisterIndexerReply placement_state::register_indexer(const pb::RegisterIndexer& req,
                                                           time_point now) {
  pb::IndexerDescriptor desc = req.indexer();
  if (desc.address().empty())
    return register_error(
        make_error(errc::invalid_argument, "an indexer needs its CAF endpoint address"));
  uint64_t id = desc.id();
  if (id != 0 && !indexers_.count(id)) {
    // As for notifiers: an id at or below the last one issued is this
    // indexer's own (placement restarted, or it timed out); it keeps it, and
    // with it the indexes it held before a placement restart.
    auto last = db_->last_id(catalog::id_kind::indexer);
    if (!last) return register_error(last.error());
    if (id > *last) {
      spdlog::warn("event=indexer_id_unknown id={} last_issued={} action=new_id", id, *last);
      id = 0;
    }
  }
  if (id == 0) {
    auto fresh = db_->allocate_id(catalog::id_kind::indexer);
    if (!fresh) return register_error(fresh.error());
    id = *fresh;
  }
  desc.set_id(id);
  auto it = indexers_.find(id);
  if (it == indexers_.end()) {
    indexers_[id] = indexer_entry{desc, now};
    meta_changed_ = true;
    spdlog::info("event=indexer_registered indexer={} address={} live={}", id, desc.address(),
                 indexers_.size());
    assign_indexes(now);
  } else {
    if (it->second.desc.SerializeAsString() != desc.SerializeAsString()) {
      it->second.desc = desc;
      meta_changed_ = true;
    }
    it->second.last_seen = now;
    spdlog::info("event=indexer_reregistered indexer={} address={}", id, desc.address());
  }
  pb::RegisterIndexerReply r;
  r.set_indexer_id(id);
  return r;
}

pb::Status placement_state::indexer_heartbeat(const pb::IndexerHeartbeat& hb, int64_t wall_ms,
                                              time_point now) {
  auto it = indexers_.find(hb.indexer_id());
  if (it == indexers_.end())
    return to_status(make_error(
        errc::not_found, "unknown indexer " + std::to_string(hb.indexer_id()) + ": register again"));
  it->second.last_seen = now;
  for (const auto& rep : hb.indexes()) {
    auto e = indexes_.find(rep.index_id());
    pb::IndexReplicaState* mine = e == indexes_.end() ? nullptr : replica_of(e->second.desc, hb.indexer_id());
    if (!mine) {
      // An index dropped or moved since the indexer last heard: stale.
      spdlog::debug("event=index_report_ignored index_id={} indexer={}", rep.index_id(), hb.indexer_id());
      continue;
    }
    pb::IndexReplicaState next = rep.state();
    next.set_indexer_id(hb.indexer_id());
    next.set_reported_ms(wall_ms);
    if (is_news(*mine, next)) {
      meta_changed_ = true;
      index_progress_sent_ = now;  // the update carries the progress too
      spdlog::info("event=index_replica_state table={} index={} id={} indexer={} phase={} rebuilds={}{}",
                   e->second.desc.spec().table(), e->second.desc.spec().name(), rep.index_id(),
                   hb.indexer_id(), pb::IndexReplicaPhase_Name(next.phase()), next.rebuilds(),
                   next.last_error().empty() ? std::string()
                                             : " error=\"" + next.last_error() + "\"");
    } else if (is_progress(*mine, next)) {
      index_progress_unsent_ = true;
    }
    *mine = std::move(next);
  }
  if (index_progress_unsent_ && now - index_progress_sent_ >= opt_.index_progress_interval) {
    meta_changed_ = true;
    index_progress_sent_ = now;
  }
  return pb::Status{};
}

void placement_state::indexer_down(uint64_t id, time_point now) {
  if (indexers_.count(id)) remove_indexer(id, "handle_down", now);
}

void placement_state::tick_indexes(time_point now) {
  expire_indexers(now);
  if (restore_until_ != time_point{} && now >= restore_until_) {
    // Saved holders that did not come back in time lose their claim.
    for (auto& [id, e] : indexes_) e.restore.clear();
    restore_until_ = time_point{};
  }
  assign_indexes(now);
  if (index_progress_unsent_ && now - index_progress_sent_ >= opt_.index_progress_interval) {
    meta_changed_ = true;
    index_progress_sent_ = now;
  }
}

void placement_state::expire_indexers(time_point now) {
  std::vector<uint64_t> silent;
  for (const auto& [id, n] : indexers_) {
    if (now - n.last_seen >= opt_.indexer_timeout) silent.push_back(id);
  }
  for (uint64_t id : silent) remove_indexer(id, "timeout", now);
}

void placement_state::remove_indexer(uint64_t id, const char* why, time_point now) {
  auto it = indexers_.find(id);
  if (it == indexers_.end()) return;
  spdlog::warn("event=indexer_down indexer={} address={} why={} silent_ms={}", id,
               it->second.desc.address(), why,
               std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.last_seen).count());
  indexers_.erase(it);
  meta_changed_ = true;
  out_.indexers_gone.push_back(id);
  for (auto& [index_id, e] : indexes_) {
    auto* reps = e.desc.mutable_replicas();
    auto gone = std::remove_if(reps->begin(), reps->end(),
                               [&](const auto& r) { return r.indexer_id() == id; });
    if (gone == reps->end()) continue;
    reps->erase(gone, reps->end());
    spdlog::warn("event=index_replica_lost table={} index={} id={} indexer={} remaining={}",
                 e.desc.spec().table(), e.desc.spec().name(), index_id, id, reps->size());
    (void)save_index(e);
  }
  assign_indexes(now);
}

void placement_state::assign_indexes(time_point now) {
  if (indexers_.empty()) return;
  const int want = static_cast<int>(std::max<uint32_t>(1, opt_.index_replicas));
  const bool restoring = now < restore_until_;
  std::map<uint64_t, size_t> held;
  for (const auto& [id, n] : indexers_) held[id] = 0;
  for (const auto& [id, e] : indexes_) {
    for (const auto& r : e.desc.replicas()) {
      if (auto h = held.find(r.indexer_id()); h != held.end()) ++h->second;
    }
  }
  for (auto& [index_id, e] : indexes_) {
    bool changed = false;
    while (e.desc.replicas_size() < want) {
      const bool only_saved = restoring && !e.restore.empty();
      auto best = held.end();
      for (auto c = held.begin(); c != held.end(); ++c) {
        if (holds(e.desc, c->first)) continue;
        if (only_saved && std::find(e.restore.begin(), e.restore.end(), c->first) == e.restore.end())
          continue;
        if (best == held.end() || c->second < best->second) best = c;  // ties: lowest id (map order)
      }
      if (best == held.end()) break;
      auto* r = e.desc.add_replicas();
      r->set_indexer_id(best->first);
      r->set_phase(pb::INDEX_ASSIGNED);
      ++best->second;
      changed = true;
      spdlog::info("event=index_assigned table={} index={} id={} indexer={} replicas={} restored={}",
                   e.desc.spec().table(), e.desc.spec().name(), index_id, best->first,
                   e.desc.replicas_size(), only_saved);
    }
    if (changed) {
      meta_changed_ = true;
      (void)save_index(e);
    }
  }
}

}  // namespace ropekv::placement_service
