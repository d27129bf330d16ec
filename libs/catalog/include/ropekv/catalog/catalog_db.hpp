#pragma once
// The placement service's durable state, in its own SQLite file: registered
// nodes, table schemas, the current rope (as segment descriptors + version),
// webhooks (spec, created_ms and the last delivery state saved: the cursor
// a notifier taking a hook over resumes from), global secondary index
// definitions (with the indexers that held them, so a restarted placement
// gives each index back to the indexers that already built it), and id
// allocators whose ids are never reused (segment ids must not be, so a
// stale router can never confuse a new segment with an old one; index ids
// neither, so an indexer never serves an old index's rows under a new one).
//
// Files written by an older build gain the tables they lack on open (every
// table is CREATE ... IF NOT EXISTS); nothing is ever removed or rewritten.
//
// Owned by the placement actor alone (one connection, not thread-safe).
// Every method is one transaction: a crash leaves either the old or the new
// state, never a mix (e.g. a rope with half of a split).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/ropekv.pb.h"
#include "ropekv/proto/service.pb.h"

struct sqlite3;

namespace ropekv::catalog {

// Persisted by value: append new kinds, never reorder.
enum class id_kind { node, table, segment, notifier, index, indexer };

struct stored_rope {
  uint64_t version = 0;  // 0: no rope saved yet
  std::vector<pb::SegmentDescriptor> segments;
};

class catalog_db {
 public:
  static result<std::unique_ptr<catalog_db>> open(const std::string& path);
  ~catalog_db();
  catalog_db(const catalog_db&) = delete;
  catalog_db& operator=(const catalog_db&) = delete;

  /// Next id of a kind, starting at 1; persisted before it is returned.
  result<uint64_t> allocate_id(id_kind kind);
  /// The highest id of a kind ever allocated (0: none yet).
  result<uint64_t> last_id(id_kind kind);

  /// Inserts or replaces a node by id.
  status put_node(const pb::NodeDescriptor& node);
  result<std::vector<pb::NodeDescriptor>> nodes();

  /// Assigns a fresh table id; errc::already_exists when the name is taken.
  result<pb::TableSchema> create_table(pb::TableSchema schema);
  result<std::vector<pb::TableSchema>> tables();
  result<pb::TableSchema> table(const std::string& name);
  status drop_table(const std::string& name);

  /// Replaces the stored rope with `segments` at `version` (must grow).
  status save_rope(uint64_t version, const std::vector<pb::SegmentDescriptor>& segments);
  result<stored_rope> load_rope();

  /// Inserts or replaces a hook by spec.name (the whole record: spec,
  /// created_ms, state).
  status put_hook(const pb::Hook& hook);
  result<std::vector<pb::Hook>> hooks();
  /// errc::not_found when there is no such hook.
  status drop_hook(const std::string& name);

  /// Inserts or replaces an index by id (the whole descriptor as given;
  /// placement stores replicas as indexer ids only).
  status put_index(const pb::IndexDescriptor& index);
  /// Every index, by id.
  result<std::vector<pb::IndexDescriptor>> indexes();
  /// errc::not_found when there is no such index.
  status drop_index(uint32_t id);

 private:
  explicit catalog_db(sqlite3* db) : db_(db) {}
  status exec(const char* sql);
  sqlite3* db_;
};

}  // namespace ropekv::catalog
