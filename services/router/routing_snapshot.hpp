#pragma once
// routing_snapshot: everything a router routes by, as one immutable value --
// a rope version, the table schemas, the nodes' addresses, and the global
// secondary indexes with the indexers holding them, exactly as the last
// RopeUpdate from placement described them.
//
// Owns: its rope (which shares structure with older versions), tables and
// node addresses. Who touches it: built only by apply_rope_update() (on the
// placement link's thread), then read concurrently by HTTP I/O threads and
// request actors through route_table. Never modified once built, so readers
// need no lock.
//
// Invariant: tables_by_id and tables_by_name hold the same schemas.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/service.pb.h"
#include "ropekv/rope/rope.hpp"

namespace ropekv::router {

struct routing_snapshot {
  rope::rope rope;  // version 0 and empty until the first update
  std::map<std::string, pb::TableSchema, std::less<>> tables_by_name;
  std::unordered_map<uint32_t, pb::TableSchema> tables_by_id;
  std::unordered_map<uint64_t, pb::NodeDescriptor> nodes;
  /// Indexes by (table id, name), with their replicas' last reported states.
  std::map<std::pair<uint32_t, std::string>, pb::IndexDescriptor, std::less<>> indexes;
  std::unordered_map<uint64_t, std::string> indexer_addresses;  // live indexers

  /// Whether the router has heard from placement at least once.
  bool ready() const noexcept { return !rope.empty(); }
  uint64_t version() const noexcept { return rope.version(); }

  const pb::TableSchema* table(std::string_view name) const;
  const pb::TableSchema* table(uint32_t id) const;
  /// "host:port" of a node, or empty when unknown.
  std::string address_of(node_id node) const;
  const pb::IndexDescriptor* index(uint32_t table, std::string_view name) const;
  /// A table's indexes, by name.
  std::vector<const pb::IndexDescriptor*> indexes_of(uint32_t table) const;
  /// "host:port" of a live indexer, or empty.
  std::string indexer_address(uint64_t id) const;
};

enum class update_outcome : uint8_t {
  applied,  // a new snapshot was built
  stale,    // the update is not newer than the snapshot: ignored
  gap,      // an update was missed: subscribe again for a full rope
};

struct update_result {
  update_outcome outcome = update_outcome::stale;
  std::shared_ptr<const routing_snapshot> snapshot;  // set when applied
};

/// Applies a RopeUpdate (a full rope when delta.from_version is 0, else a
/// delta from base's version) and returns the new snapshot. Tables and nodes
/// are replaced wholesale: every update carries all of them. An update whose
/// delta is from == to == base version changes only tables and nodes.
/// errc::invalid_argument when the delta does not fit the rope.
result<update_result> apply_rope_update(const routing_snapshot& base, const pb::RopeUpdate& update);

}  // namespace ropekv::router
