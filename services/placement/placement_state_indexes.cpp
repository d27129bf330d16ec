// placement_state: global secondary index definitions (PUT/GET/DELETE
// /v1/tables/{t}/indexes/{name}) and their persistence. What an index
// definition means (attribute paths, key encoding) is the router's and
// libs/index's business; placement checks only what it must to store one.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "placement_state.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::IndexReply index_error(const error& e) {
  pb::IndexReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

status validate_index_spec(const pb::IndexSpec& spec) {
  if (spec.table().empty()) return make_error(errc::invalid_argument, "an index needs a table");
  if (spec.name().empty()) return make_error(errc::invalid_argument, "an index needs a name");
  if (spec.attribute().empty())
    return make_error(errc::invalid_argument, "index " + spec.name() + " needs an attribute");
  // proto3 enums accept any number: a value this build cannot name would be
  // stored and handed to indexers that cannot build it.
  if (!pb::IndexType_IsValid(spec.type()))
    return make_error(errc::invalid_argument, "unknown index type " + std::to_string(spec.type()));
  if (!pb::IndexProjection_IsValid(spec.projection()))
    return make_error(errc::invalid_argument,
                      "unknown index projection " + std::to_string(spec.projection()));
  return {};
}

}  // namespace

const index_entry* placement_state::find_index(const std::string& table, const std::string& name) const {
  for (const auto& [id, e] : indexes_) {
    if (e.desc.spec().table() == table && e.desc.spec().name() == name) return &e;
  }
  return nullptr;
}

pb::IndexReply placement_state::put_index(const pb::PutIndexRequest& req, int64_t wall_ms,
                                          time_point now) {
  const pb::IndexSpec& spec = req.spec();
  if (auto st = validate_index_spec(spec); !st) return index_error(st.error());
  auto table = tables_.find(spec.table());
  if (table == tables_.end())
    return index_error(make_error(errc::not_found, "table " + spec.table() + " does not exist"));
  if (const index_entry* old = find_index(spec.table(), spec.name())) {
    // A client retrying its PUT must not see an error; a different
    // definition under the name would silently change query results, so
    // the user drops the old one first.
    if (old->desc.spec().SerializeAsString() != spec.SerializeAsString())
      return index_error(make_error(errc::already_exists,
                                    "index_exists: index " + spec.name() + " on table " + spec.table() +
                                        " has a different definition; drop it first"));
    pb::IndexReply r;
    *r.mutable_index() = old->desc;
    r.set_created(false);
    return r;
  }
  auto id = db_->allocate_id(catalog::id_kind::index);
  if (!id) return index_error(id.error());
  if (*id > std::numeric_limits<uint32_t>::max())
    return index_error(make_error(errc::internal, "index ids exhausted"));
  index_entry e;
  e.desc.set_id(static_cast<uint32_t>(*id));
  e.desc.set_table_id(table->second.id());
  *e.desc.mutable_spec() = spec;
  e.desc.set_created_ms(wall_ms);
  if (auto st = save_index(e); !st) return index_error(st.error());
  const uint32_t key = e.desc.id();
  indexes_[key] = std::move(e);
  meta_changed_ = true;
  assign_indexes(now);
  const pb::IndexDescriptor& d = indexes_.at(key).desc;
  spdlog::info("event=index_created table={} index={} id={} attribute={} type={} unique={} replicas={}",
               spec.table(), spec.name(), key, spec.attribute(), pb::IndexType_Name(spec.type()),
               spec.unique(), d.replicas_size());
  pb::IndexReply r;
  *r.mutable_index() = d;
  r.set_created(true);
  return r;
}

pb::IndexesReply placement_state::list_indexes(const std::string& table) const {
  pb::IndexesReply r;
  if (!tables_.count(table)) {
    *r.mutable_status() = to_status(make_error(errc::not_found, "no table " + table));
    return r;
  }
  std::vector<const pb::IndexDescriptor*> found;
  for (const auto& [id, e] : indexes_) {
    if (e.desc.spec().table() == table) found.push_back(&e.desc);
  }
  std::sort(found.begin(), found.end(),
            [](const auto* a, const auto* b) { return a->spec().name() < b->spec().name(); });
  for (const auto* d : found) *r.add_indexes() = *d;
  return r;
}

pb::IndexReply placement_state::get_index(const std::string& table, const std::string& name) const {
  if (!tables_.count(table)) return index_error(make_error(errc::not_found, "no table " + table));
  const index_entry* e = find_index(table, name);
  if (!e) return index_error(make_error(errc::not_found, "no index " + name + " on table " + table));
  pb::IndexReply r;
  *r.mutable_index() = e->desc;
  return r;
}

pb::IndexReply placement_state::drop_index(const std::string& table, const std::string& name) {
  if (!tables_.count(table)) return index_error(make_error(errc::not_found, "no table " + table));
  const index_entry* e = find_index(table, name);
  if (!e) return index_error(make_error(errc::not_found, "no index " + name + " on table " + table));
  const uint32_t id = e->desc.id();
  if (auto st = db_->drop_index(id); !st && st.error().code != errc::not_found)
    return index_error(st.error());
  pb::IndexReply r;
  *r.mutable_index() = std::move(indexes_.at(id).desc);
  indexes_.erase(id);
  meta_changed_ = true;
  spdlog::info("event=index_dropped table={} index={} id={} why=request", table, name, id);
  return r;
}

void placement_state::drop_table_indexes(uint32_t table_id) {
  for (auto it = indexes_.begin(); it != indexes_.end();) {
    if (it->second.desc.table_id() != table_id) {
      ++it;
      continue;
    }
    // A failed delete leaves a row whose table is gone: the next open()
    // drops it (load_indexes).
    if (auto st = db_->drop_index(it->first); !st && st.error().code != errc::not_found)
      spdlog::error("event=index_drop_failed id={} error=\"{}\"", it->first, st.error().message);
    spdlog::info("event=index_dropped table={} index={} id={} why=table_dropped",
                 it->second.desc.spec().table(), it->second.desc.spec().name(), it->first);
    it = indexes_.erase(it);
    meta_changed_ = true;
  }
}

status placement_state::load_indexes(time_point now) {
  auto stored = db_->indexes();
  if (!stored) return stored.error();
  bool any_holders = false;
  for (auto& d : *stored) {
    auto t = tables_.find(d.spec().table());
    if (t == tables_.end() || t->second.id() != d.table_id()) {
      // Its table was dropped (a crash between the table's row and its
      // indexes' rows): the index goes with it.
      spdlog::warn("event=index_without_table table={} index={} id={} action=drop", d.spec().table(),
                   d.spec().name(), d.id());
      if (auto st = db_->drop_index(d.id()); !st && st.error().code != errc::not_found) return st;
      continue;
    }
    index_entry e;
    for (const auto& r : d.replicas()) e.restore.push_back(r.indexer_id());
    any_holders = any_holders || !e.restore.empty();
    // Nobody holds an index until an indexer registers (none is live yet).
    d.clear_replicas();
    e.desc = std::move(d);
    indexes_[e.desc.id()] = std::move(e);
  }
  // Indexers re-register at once when their link to placement drops; an
  // indexer_timeout is ample for the holders to come back.
  if (any_holders) restore_until_ = now + opt_.indexer_timeout;
  return {};
}

status placement_state::save_index(const index_entry& e) {
  pb::IndexDescriptor stored = e.desc;
  // Holders only: their progress is stale by the time anyone reads it back.
  for (auto& r : *stored.mutable_replicas()) {
    uint64_t holder = r.indexer_id();
    r.Clear();
    r.set_indexer_id(holder);
  }
  if (auto st = db_->put_index(stored); !st) {
    spdlog::error("event=index_save_failed table={} index={} id={} error=\"{}\"", e.desc.spec().table(),
                  e.desc.spec().name(), e.desc.id(), st.error().message);
    return st;
  }
  return {};
}

}  // namespace ropekv::placement_service
