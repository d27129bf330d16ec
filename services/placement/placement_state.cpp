// placement_state: opening the catalog, restart reconciliation, committing
// rope versions, handing effects to the actor.
#include "placement_state.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "rope_layout.hpp"
#include "ropekv/auth/token_store.hpp"
#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::placement_service {

placement_state::placement_state(std::unique_ptr<catalog::catalog_db> db, placement_options options)
    : db_(std::move(db)), opt_(options) {}

result<std::unique_ptr<placement_state>> placement_state::open(const std::string& catalog_path,
                                                               placement_options options,
                                                               time_point now) {
  auto db = catalog::catalog_db::open(catalog_path);
  if (!db) return std::move(db).error();
  return open(std::move(*db), options, now);
}

result<std::unique_ptr<placement_state>> placement_state::open(std::unique_ptr<catalog::catalog_db> db,
                                                               placement_options options, time_point now) {
  std::unique_ptr<placement_state> st(new placement_state(std::move(db), options));
  if (auto s = st->load(now); !s) return s.error();
  if (auto s = st->reconcile(); !s) return s.error();
  if (auto s = st->load_indexes(now); !s) return s.error();
  if (auto s = st->load_tokens(auth::wall_clock_ms()); !s) return s.error();
  st->published_ = st->rope_;
  st->last_stats_flush_ = now;
  spdlog::info(
      "event=placement_loaded nodes={} tables={} hooks={} indexes={} rope_version={} segments={}",
      st->nodes_.size(), st->tables_.size(), st->hooks_.size(), st->indexes_.size(),
      st->rope_.version(), st->rope_.size());
  return st;
}

status placement_state::load(time_point now) {
  auto nodes = db_->nodes();
  if (!nodes) return nodes.error();
  for (auto& desc : *nodes) nodes_[desc.id()] = node_entry{desc, now, true};
  auto tables = db_->tables();
  if (!tables) return tables.error();
  for (auto& schema : *tables) {
    table_names_[schema.id()] = schema.name();
    tables_[schema.name()] = schema;
  }
  auto hooks = db_->hooks();
  if (!hooks) return hooks.error();
  for (auto& h : *hooks) {
    // Nobody holds a hook until a notifier registers (none is live yet).
    h.mutable_state()->set_notifier_id(0);
    std::string name = h.spec().name();
    hooks_[name] = hook_entry{std::move(h), false, now};
  }
  auto stored = db_->load_rope();
  if (!stored) return stored.error();
  if (stored->version == 0) {
    // First start: one gap over the whole keyspace.
    auto id = next_segment_id();
    if (!id) return id.error();
    rope::segment all;
    all.id = *id;
    all.epoch = 1;
    rope_ = rope::rope::initial(all);
    std::vector<pb::SegmentDescriptor> segs{rope::to_proto(rope_.at(0))};
    return db_->save_rope(rope_.version(), segs);
  }
  std::vector<rope::segment> segs;
  segs.reserve(stored->segments.size());
  for (const auto& d : stored->segments) segs.push_back(rope::from_proto(d));
  auto r = rope::rope::from_segments(std::move(segs), stored->version);
  if (!r) return make_error(errc::corrupt, "stored rope: " + r.error().message);
  rope_ = std::move(*r);
  return {};
}

// A create writes the table, then the rope; a drop writes the rope, then the
// table. A crash between the two leaves a table without segments, which was
// never acknowledged either way: finishing it as dropped is safe. Segments
// of an unknown table cannot arise from that order, but are cleared the same
// way rather than trusted.
status placement_state::reconcile() {
  for (auto it = tables_.begin(); it != tables_.end();) {
    uint32_t id = it->second.id();
    if (!table_segments(rope_, id).empty()) {
      ++it;
      continue;
    }
    spdlog::warn("event=table_without_segments table={} id={} action=drop", it->first, id);
    if (auto st = db_->drop_table(it->first); !st) return st;
    table_names_.erase(id);
    it = tables_.erase(it);
  }
  std::set<uint32_t> orphans;
  rope_.for_each([&](const rope::segment& s) {
    auto t = table_of(s);
    if (!is_gap(s) && t && !table_names_.count(*t)) orphans.insert(*t);
  });
  for (uint32_t t : orphans) {
    spdlog::warn("event=segments_without_table table_id={} action=clear", t);
    auto d = clear_table(rope_, t, [this] { return next_segment_id(); });
    if (!d) return d.error();
    if (auto st = commit(std::move(*d), "orphan_segments"); !st) return st;
  }
  return {};
}

result<segment_id> placement_state::next_segment_id() {
  auto id = db_->allocate_id(catalog::id_kind::segment);
  if (!id) return std::move(id).error();
  return segment_id{*id};
}

status placement_state::commit(rope::rope_delta d, const char* why) {
  // Stats ride along with whatever change makes a version anyway.
  for (const auto& [raw, stats] : pending_stats_) {
    segment_id id{raw};
    if (std::find(d.removed.begin(), d.removed.end(), id) != d.removed.end()) continue;
    auto up = std::find_if(d.upserted.begin(), d.upserted.end(),
                           [&](const rope::segment& s) { return s.id == id; });
    if (up != d.upserted.end()) {
      up->stats = stats;
    } else if (const rope::segment* s = rope_.find(id)) {
      rope::segment copy = *s;
      copy.stats = stats;
      d.upserted.push_back(std::move(copy));
    }
  }
  if (d.removed.empty() && d.upserted.empty()) return {};  // nothing changed: no version
  auto next = next_version(rope_, std::move(d));
  if (!next) return next.error();
  std::vector<pb::SegmentDescriptor> segs;
  segs.reserve(next->size());
  next->for_each([&](const rope::segment& s) { segs.push_back(rope::to_proto(s)); });
  if (auto st = db_->save_rope(next->version(), segs); !st) {
    spdlog::error("event=rope_save_failed version={} error=\"{}\"", next->version(), st.error().message);
    return st;
  }
  rope_ = std::move(*next);
  pending_stats_.clear();
  spdlog::info("event=rope_version version={} segments={} why={}", rope_.version(), rope_.size(), why);
  return {};
}

effects placement_state::take_effects() {
  if (rope_.version() != published_.version() || meta_changed_) {
    pb::RopeUpdate u;
    *u.mutable_delta() = rope::to_proto(rope::diff(published_, rope_));
    fill_meta(u);
    out_.update = std::move(u);
    published_ = rope_;
    meta_changed_ = false;
    index_progress_unsent_ = false;  // this update carries the latest progress
  }
  return std::exchange(out_, effects{});
}

}  // namespace ropekv::placement_service
