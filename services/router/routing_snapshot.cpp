#include "routing_snapshot.hpp"

#include "ropekv/rope/rope_delta.hpp"
#include "ropekv/rope/rope_proto.hpp"

namespace ropekv::router {

const pb::TableSchema* routing_snapshot::table(std::string_view name) const {
  auto it = tables_by_name.find(name);
  return it == tables_by_name.end() ? nullptr : &it->second;
}

const pb::TableSchema* routing_snapshot::table(uint32_t id) const {
  auto it = tables_by_id.find(id);
  return it == tables_by_id.end() ? nullptr : &it->second;
}

std::string routing_snapshot::address_of(node_id node) const {
  auto it = nodes.find(node.value);
  return it == nodes.end() ? std::string() : it->second.address();
}

const pb::IndexDescriptor* routing_snapshot::index(uint32_t table, std::string_view name) const {
  auto it = indexes.find(std::make_pair(table, std::string(name)));
  return it == indexes.end() ? nullptr : &it->second;
}

std::vector<const pb::IndexDescriptor*> routing_snapshot::indexes_of(uint32_t table) const {
  std::vector<const pb::IndexDescriptor*> out;
  for (auto it = indexes.lower_bound(std::make_pair(table, std::string())); it != indexes.end() && it->first.first == table; ++it)
    out.push_back(&it->second);
  return out;
}

std::string routing_snapshot::indexer_address(uint64_t id) const {
  auto it = indexer_addresses.find(id);
  return it == indexer_addresses.end() ? std::string() : it->second;
}

result<update_result> apply_rope_update(const routing_snapshot& base, const pb::RopeUpdate& update) {
  const auto& delta = update.delta();
  const uint64_t current = base.version();
  const bool full = delta.from_version() == 0;
  // A full rope is placement's word on "now" and always wins: CAF keeps
  // one sender's messages in order, so it is never older than a push from
  // the same placement, and a placement that came back with a fresh
  // catalog must not be ignored for numbering below ours. A delta must
  // start exactly at our version; one that ends at or below it is old news.
  if (!full) {
    if (delta.to_version() < current) return update_result{update_outcome::stale, nullptr};
    if (delta.from_version() != current) {
      if (delta.to_version() == current) return update_result{update_outcome::stale, nullptr};
      return update_result{update_outcome::gap, nullptr};
    }
  }

  auto next = std::make_shared<routing_snapshot>();
  if (full) {
    auto built = rope::apply(rope::rope{}, rope::from_proto(delta));
    if (!built) return std::move(built).error();
    next->rope = std::move(*built);
  } else if (delta.from_version() == delta.to_version()) {
    next->rope = base.rope;
  } else {
    auto built = rope::apply(base.rope, rope::from_proto(delta));
    if (!built) return std::move(built).error();
    next->rope = std::move(*built);
  }
  for (const auto& t : update.tables()) {
    next->tables_by_name[t.name()] = t;
    next->tables_by_id[t.id()] = t;
  }
  for (const auto& n : update.nodes()) next->nodes[n.id()] = n;
  for (const auto& ix : update.indexes()) next->indexes[{ix.table_id(), ix.spec().name()}] = ix;
  for (const auto& ir : update.indexers()) next->indexer_addresses[ir.id()] = ir.address();
  return update_result{update_outcome::applied, std::move(next)};
}

}  // namespace ropekv::router
