#include "index_responses.hpp"

#include "item_json.hpp"
#include "ropekv/index/index_spec_json.hpp"

namespace ropekv::router {
namespace {

void write_counters(net::json_writer& w, const pb::IndexReplicaState& r) {
  w.field("lag_ms", static_cast<uint64_t>(r.lag_ms()));
  w.field("entries", static_cast<uint64_t>(r.entries()));
  w.field("unique_violations", static_cast<uint64_t>(r.unique_violations()));
}

void write_backfill(net::json_writer& w, const pb::IndexReplicaState& r) {
  w.key("backfill").begin_object();
  w.field("items_done", static_cast<uint64_t>(r.items_done()));
  w.field("items_estimated", static_cast<uint64_t>(r.items_estimated()));
  w.field("items_per_s", r.items_per_s());
  w.end_object();
}

}  // namespace

const pb::IndexReplicaState* representative(const pb::IndexDescriptor& ix) {
  const pb::IndexReplicaState* best = nullptr;
  for (const auto& r : ix.replicas()) {
    if (!best) { best = &r; continue; }
    bool r_active = r.phase() == pb::INDEX_ACTIVE, b_active = best->phase() == pb::INDEX_ACTIVE;
    if (r_active != b_active) {
      if (r_active) best = &r;
      continue;
    }
    if (r_active ? r.lag_ms() < best->lag_ms() : r.items_done() > best->items_done()) best = &r;
  }
  return best;
}

void write_index(net::json_writer& w, const pb::IndexDescriptor& ix) {
  const auto& s = ix.spec();
  w.begin_object();
  w.field("name", s.name()).field("table", s.table()).field("id", static_cast<uint64_t>(ix.id()));
  w.field("attribute", s.attribute());
  w.field("type", index::type_name(s.type())).field("projection", index::projection_name(s.projection()));
  w.field("unique", s.unique()).field("created_ms", static_cast<int64_t>(ix.created_ms()));
  const auto* rep = representative(ix);
  if (!rep) {
    w.field("state", "unassigned");
  } else if (rep->phase() == pb::INDEX_ACTIVE) {
    w.field("state", "active");
    write_counters(w, *rep);
  } else {
    w.field("state", "backfilling");
    write_backfill(w, *rep);
    write_counters(w, *rep);
  }
  w.key("replicas").begin_array();
  for (const auto& r : ix.replicas()) {
    w.begin_object().field("indexer", static_cast<uint64_t>(r.indexer_id()));
    w.field("state", index::phase_name(r.phase()));
    if (r.phase() != pb::INDEX_ACTIVE) write_backfill(w, r);
    write_counters(w, r);
    w.field("rebuilds", static_cast<uint64_t>(r.rebuilds()));
    if (!r.last_error().empty()) w.field("last_error", r.last_error());
    w.end_object();
  }
  w.end_array().end_object();
}

std::string index_body(const pb::IndexDescriptor& ix) {
  net::json_writer w;
  write_index(w, ix);
  return w.take();
}

std::string indexes_body(const pb::IndexesReply& reply) {
  net::json_writer w;
  w.begin_object().key("indexes").begin_array();
  for (const auto& ix : reply.indexes()) write_index(w, ix);
  w.end_array().end_object();
  return w.take();
}

std::string index_deleted_body(const pb::IndexDescriptor& ix) {
  net::json_writer w;
  w.begin_object().field("deleted", true).key("index");
  write_index(w, ix);
  w.end_object();
  return w.take();
}

std::string index_page_body(const pb::IndexQueryReply& reply, bool table_has_range_key,
                            const std::string& cursor) {
  net::json_writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& item : reply.items()) {
    w.begin_object();
    write_key(w, "hash_key", item.hash_key());
    if (table_has_range_key) write_key(w, "range_key", item.range_key());
    w.field("version", static_cast<uint64_t>(item.version()));
    if (item.expires_at_ms() > 0) w.field("expires_at_ms", static_cast<int64_t>(item.expires_at_ms()));
    if (!item.value().empty()) w.key("item").raw(item.value());
    w.end_object();
  }
  w.end_array();
  if (!cursor.empty()) w.field("cursor", cursor);
  w.field("lag_ms", static_cast<uint64_t>(reply.lag_ms()));
  w.end_object();
  return w.take();
}

}  // namespace ropekv::router
