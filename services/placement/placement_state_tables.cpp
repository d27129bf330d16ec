// placement_state: table schemas and their initial layout on the rope.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "placement_state.hpp"
#include "rope_layout.hpp"
#include "ropekv/placement/layout.hpp"
#include "table_validation.hpp"
#include "wire_status.hpp"

namespace ropekv::placement_service {
namespace {

pb::TableReply table_error(const error& e) {
  pb::TableReply r;
  *r.mutable_status() = to_status(e);
  return r;
}

}  // namespace

pb::TableReply placement_state::create_table(const pb::CreateTableRequest& req) {
  auto schema = validate_schema(req.schema());
  if (!schema) return table_error(schema.error());
  if (tables_.count(schema->name()))
    return table_error(make_error(errc::already_exists, "table " + schema->name() + " exists"));
  auto infos = node_infos();
  if (std::none_of(infos.begin(), infos.end(), placement::accepts_replicas))
    return table_error(make_error(errc::unavailable, "no alive segment-owner to place the table on"));
  // The count is resolved now and recorded with the schema: the table's
  // own choice, else the service's, else the cluster-size default.
  if (schema->initial_segments() == 0) {
    schema->set_initial_segments(opt_.segments_per_table != placement::auto_segments
                                     ? opt_.segments_per_table
                                     : placement::default_segments_count(infos));
  }
  // The table row first, the rope second: a crash between leaves a table
  // without segments, which open() drops again (the create was never acked).
  auto created = db_->create_table(*schema);
  if (!created) return table_error(created.error());
  const std::string name = created->name();
  auto undo = [&](const error& e) {
    if (auto st = db_->drop_table(name); !st)
      spdlog::error("event=create_table_undo_failed table={} error=\"{}\"", name, st.error().message);
    return table_error(e);
  };
  auto layout = placement::initial_layout(table_id{created->id()}, infos, created->replication(),
                                          created->initial_segments(), opt_.rule);
  if (!layout) return undo(layout.error());
  if (req.strict()) {
    size_t placed = created->replication();
    for (const auto& l : layout->segments) placed = std::min(placed, l.replicas.size());
    if (placed < created->replication()) {
      ++decisions_["tables_refused_under_replicated"];
      return undo(make_error(errc::conflict,
                             "under_replicated: table " + name + " asks for " +
                                 std::to_string(created->replication()) + " replicas but only " +
                                 std::to_string(placed) + " can be placed now (nodes in distinct " +
                                 std::string(placement::to_string(opt_.rule.level)) +
                                 "s that accept replicas); create it without strict to start short"));
    }
  }
  std::vector<rope::segment> segs;
  segs.reserve(layout->segments.size());
  for (const auto& l : layout->segments) {
    auto id = next_segment_id();
    if (!id) return undo(id.error());
    rope::segment s;
    s.id = *id;
    s.start = l.start;
    s.end = l.end;
    s.epoch = 1;
    s.replicas = l.replicas;
    s.leader_hint = l.replicas.front();
    segs.push_back(std::move(s));
  }
  auto d = carve_table(rope_, created->id(), segs, [this] { return next_segment_id(); });
  if (!d) return undo(d.error());
  if (auto st = commit(std::move(*d), "create_table"); !st) return undo(st.error());
  tables_[name] = *created;
  table_names_[created->id()] = name;
  meta_changed_ = true;
  repair_wanted_ = true;  // an under-protected layout may be fixable later
  for (const auto& s : segs) {
    pb::SegmentAssignment a = assignment(s, /*bootstrap=*/true);
    for (node_id r : s.replicas) out_.assignments.emplace_back(r, a);
  }
  spdlog::info("event=table_created table={} id={} replication={} segments={} under_protected={}{}",
               name, created->id(), created->replication(), segs.size(), layout->under_protected,
               layout->under_protected ? " reason=\"" + layout->reason + "\"" : std::string());
  pb::TableReply r;
  *r.mutable_schema() = *created;
  fill_replication(r);
  return r;
}

pb::TablesReply placement_state::list_tables() const {
  pb::TablesReply r;
  for (const auto& [name, schema] : tables_) *r.add_tables() = schema;
  return r;
}

pb::TableReply placement_state::get_table(const std::string& name) const {
  auto it = tables_.find(name);
  if (it == tables_.end()) return table_error(make_error(errc::not_found, "no table " + name));
  pb::TableReply r;
  *r.mutable_schema() = it->second;
  fill_replication(r);
  return r;
}

pb::TableReply placement_state::drop_table(const std::string& name) {
  auto it = tables_.find(name);
  if (it == tables_.end()) return table_error(make_error(errc::not_found, "no table " + name));
  pb::TableSchema schema = it->second;
  auto segs = table_segments(rope_, schema.id());
  // The rope first, the table row second: see create_table.
  auto d = clear_table(rope_, schema.id(), [this] { return next_segment_id(); });
  if (!d) return table_error(d.error());
  if (auto st = commit(std::move(*d), "drop_table"); !st) return table_error(st.error());
  if (auto st = db_->drop_table(name); !st)
    spdlog::error("event=drop_table_row_failed table={} error=\"{}\"", name, st.error().message);
  tables_.erase(name);
  table_names_.erase(schema.id());
  meta_changed_ = true;
  // After the table row: a crash between leaves indexes of no table, which
  // open() drops (load_indexes).
  drop_table_indexes(schema.id());
  for (const auto& s : segs) {
    for (node_id r : s.replicas) push_drop(r, s, "table dropped");
    if (auto m = moves_.find(s.id.value); m != moves_.end()) {
      if (m->second.plan.to) push_drop(*m->second.plan.to, s, "table dropped");
      moves_.erase(m);
    }
  }
  spdlog::info("event=table_dropped table={} id={} segments={}", name, schema.id(), segs.size());
  pb::TableReply r;
  *r.mutable_schema() = schema;
  return r;
}

}  // namespace ropekv::placement_service
