#pragma once
// The placement service's durable state, in its own SQLite file: registered
// nodes, table schemas, the current rope (as segment descriptors + version),
// webhooks (spec, created_ms and the last delivery state saved: the cursor
// a notifier taking a hook over resumes from), global secondary index
// definitions (with the indexers that held them, so a restarted placement
// gives each index back to the indexers that already built it), and id
// allocators whose ids are never reused (segment ids must not be, so a
// stale router can never confuse a new segment with an old one; index ids
// neither, so an indexer never serves an old index's rows under a new one),
// and bearer tokens (name, roles, expiry, rate limit, the secret's hash).
//
// Files written by an older build gain the tables they lack on open (every
// table is CREATE ... IF NOT EXISTS); nothing is ever removed or rewritten.
//
// Owned by the placement actor alone (one connection, not thread-safe).
// Replicated placement adds a second connection to the same file: the Raft
// state machine's (catalog_replicator.hpp), which applies the group's
// changesets while the leader's connection runs in replicated mode (below).
// Every method is one transaction: a crash leaves either the old or the new
// state, never a mix (e.g. a rope with half of a split).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ropekv/common/result.hpp"
#include "ropekv/proto/auth.pb.h"
#include "ropekv/proto/ropekv.pb.h"
#include "ropekv/proto/service.pb.h"

struct sqlite3;
struct sqlite3_session;

namespace ropekv::catalog {

// Persisted by value: append new kinds, never reorder.
enum class id_kind { node, table, segment, notifier, index, indexer };

class catalog_db;

/// Where a replicated catalog's changes go (catalog_replication.cpp; the
/// placement group implements it with a Raft log, catalog_replicator).
class commit_sink {
 public:
  virtual ~commit_sink() = default;
  /// Called by commit_batch() with the open batch's changeset (SQLite
  /// session format). Returns ok only once the entry committed in the log
  /// AND `db.commit_local(index)` ran (from whatever thread applies the
  /// log, while this call waits). An error means the batch did not commit
  /// locally; its entry may still commit later and then applies like any
  /// other entry.
  virtual status replicate(catalog_db& db, std::string changeset) = 0;
};

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

  /// Bearer tokens (auth.proto), by name: the record holds the secret's
  /// hash, never the secret. put_token: errc::already_exists when the name
  /// is taken (a token is never replaced, only revoked and created anew).
  status put_token(const pb::AuthToken& token);
  /// Every token, by name.
  result<std::vector<pb::AuthToken>> tokens();
  /// errc::not_found when there is no such token.
  status drop_token(const std::string& name);

  // -- Replication (catalog_replication.cpp) -------------------------------
  // Generic over tables: a replicated catalog keeps its connection inside
  // an open transaction (a *batch*) with a SQLite session attached to every
  // table; commit_batch() turns the batch's changes into one changeset, has
  // the sink commit it through the log, and only then commits locally. So
  // new tables and methods replicate without code of their own, provided
  // (1) every table has a PRIMARY KEY (sessions skip tables without one),
  // (2) a method that needs several statements atomically brackets them
  // with exec("BEGIN IMMEDIATE") / exec("COMMIT") / exec("ROLLBACK"),
  // which a batch turns into a savepoint, and (3) nothing reads the clock
  // or randomness inside SQL (followers apply the changeset, not the SQL).

  /// Enters replicated mode: opens the first batch. `sink` must outlive it.
  status replicate_through(commit_sink& sink);
  bool replicated() const noexcept { return sink_ != nullptr; }
  /// Ends the open batch: nothing changed -> ok at once; otherwise the
  /// sink replicates the changeset. Either way a new batch is open after
  /// an ok. An error rolls the batch back; the caller must rebuild whatever
  /// it derived from the rolled-back writes (and may keep using the db).
  status commit_batch();
  /// The sink's second half: records `index` as applied and commits the
  /// open batch (the entry holding its changeset committed at `index`).
  status commit_local(uint64_t index);

  // The state-machine side (a connection NOT in replicated mode).
  /// Applies a changeset committed at `index` and records the index, in one
  /// transaction; idempotent for index <= applied_index().
  status apply_changeset(uint64_t index, std::string_view changeset);
  /// The index of the last log entry whose changes this file holds.
  result<uint64_t> applied_index();
  /// The whole file as bytes (a Raft snapshot).
  result<std::string> image();
  /// Replaces every table with the contents of `bytes` (from image()), then
  /// records `index` as applied.
  status restore_image(uint64_t index, std::string_view bytes);

 private:
  explicit catalog_db(sqlite3* db) : db_(db) {}
  status exec(const char* sql);
  status begin_batch();
  status set_applied(uint64_t index);
  sqlite3* db_;
  commit_sink* sink_ = nullptr;          // replicated mode
  sqlite3_session* session_ = nullptr;   // the open batch's change recorder
};

}  // namespace ropekv::catalog
