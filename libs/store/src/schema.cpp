#include "schema.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>

#include "ropekv/store/pragmas.hpp"

namespace ropekv::store::detail {
namespace {

constexpr const char* create_sql = R"sql(
CREATE TABLE kv_meta(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  schema_version INTEGER NOT NULL,
  segment_id INTEGER NOT NULL,
  start_key BLOB NOT NULL,
  end_key BLOB NOT NULL,
  epoch INTEGER NOT NULL,
  applied_index INTEGER NOT NULL,
  next_position INTEGER NOT NULL,
  history_floor INTEGER NOT NULL,
  feed_floor INTEGER NOT NULL,
  compact_position INTEGER NOT NULL);
CREATE TABLE kv_items(
  pos INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  version INTEGER NOT NULL,
  tp INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  value BLOB,
  rk2 BLOB,
  rk2_key BLOB,
  expires_ms INTEGER NOT NULL,
  ts_us INTEGER NOT NULL,
  p_items INTEGER NOT NULL,
  p_bytes INTEGER NOT NULL,
  log_index INTEGER NOT NULL,
  prev INTEGER NOT NULL DEFAULT 0,
  txn BLOB);
CREATE UNIQUE INDEX kv_items_key ON kv_items(key, version DESC);
CREATE UNIQUE INDEX kv_items_tp ON kv_items(tp, version);
CREATE INDEX kv_items_rk2 ON kv_items(rk2_key, version DESC) WHERE rk2_key IS NOT NULL;
CREATE INDEX kv_items_ttl ON kv_items(expires_ms) WHERE expires_ms > 0;
CREATE TABLE kv_voids(
  pos INTEGER PRIMARY KEY,
  tp INTEGER NOT NULL,
  lo INTEGER NOT NULL,
  hi INTEGER NOT NULL,
  ts_us INTEGER NOT NULL,
  log_index INTEGER NOT NULL);
CREATE TABLE kv_partitions(
  tp INTEGER PRIMARY KEY,
  max_issued INTEGER NOT NULL,
  base_version INTEGER NOT NULL,
  base_items INTEGER NOT NULL,
  base_bytes INTEGER NOT NULL);
INSERT INTO kv_meta VALUES(1, 3, 0, x'', x'', 0, 0, 1, 0, 0, 0);
)sql";

// Schema 3: transactions (locks, records) and request de-duplication.
constexpr const char* txn_tables_sql = R"sql(
CREATE TABLE kv_locks(
  key BLOB PRIMARY KEY,
  tp INTEGER NOT NULL,
  txn_id BLOB NOT NULL,
  primary_key BLOB NOT NULL,
  ts_us INTEGER NOT NULL,
  op BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE kv_txns(
  txn_id BLOB PRIMARY KEY,
  state INTEGER NOT NULL,
  commit_version INTEGER NOT NULL,
  ts_us INTEGER NOT NULL,
  request_key BLOB NOT NULL,
  primary_key BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX kv_txns_ts ON kv_txns(ts_us);
CREATE TABLE kv_requests(
  request_key BLOB PRIMARY KEY,
  ts_us INTEGER NOT NULL,
  fingerprint INTEGER NOT NULL,
  result BLOB NOT NULL) WITHOUT ROWID;
CREATE INDEX kv_requests_ts ON kv_requests(ts_us);
)sql";

// The chunk manifest (docs/backup.md), one row per chunk, keyed by its last
// position (chunks are contiguous). Created on open of any file, old ones
// included: an older binary ignores the table, so no schema version bump.
constexpr const char* chunk_table_sql = R"sql(
CREATE TABLE IF NOT EXISTS kv_chunks(
  last_pos INTEGER PRIMARY KEY,
  first_pos INTEGER NOT NULL,
  chunk_id TEXT NOT NULL,
  min_version INTEGER NOT NULL,
  max_version INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  segment_id INTEGER NOT NULL,
  frozen_us INTEGER NOT NULL,
  log_index INTEGER NOT NULL);
)sql";

// A non-empty file that does not start with SQLite's magic is refused before
// SQLite sees it, with a message that names the problem.
status check_file_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};  // missing: will be created
  char head[16] = {};
  in.read(head, sizeof head);
  auto n = in.gcount();
  if (n == 0) return {};
  if (n < 16 || std::memcmp(head, "SQLite format 3\0", 16) != 0) {
    return make_error(errc::corrupt, path + ": not a SQLite database (bad file header)");
  }
  return {};
}

ropekv::error with_path(const std::string& path, ropekv::error err) {
  err.message = path + ": " + err.message;
  return err;
}

}  // namespace


// Application id, schema version and tables of a file that is not new.
status validate_existing(database& db, const std::string& path, int64_t app);

status prepare_schema(database& db, const std::string& path, const store_options& opts) {
  if (auto r = check_file_header(path); !r) return r;
  // Validate before any pragma that writes (journal_mode) so that a foreign
  // file is refused untouched.
  sqlite3_busy_timeout(db.handle(), opts.busy_timeout_ms);
  auto app = db.query_int("PRAGMA application_id");
  if (!app) return with_path(path, std::move(app).error());
  // Tables other than ours and the consensus layer's mean a foreign file.
  auto foreign = db.query_int(
      "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'kv\\_%' ESCAPE '\\'"
      " AND name NOT LIKE 'raft\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  if (!foreign) return with_path(path, std::move(foreign).error());
  auto ours = db.query_int(
      "SELECT count(*) FROM sqlite_master WHERE type='table' AND name LIKE 'kv\\_%' ESCAPE '\\'");
  if (!ours) return with_path(path, std::move(ours).error());
  bool fresh = *app == 0 && *foreign == 0 && *ours == 0;
  if (!fresh) {
    if (auto r = validate_existing(db, path, *app); !r) return r;
  }
  for (const auto& p : connection_pragmas(opts)) {
    if (auto r = db.exec(p); !r) return with_path(path, std::move(r).error());
  }
  if (!fresh) return db.exec(chunk_table_sql);
  auto txn = write_txn::begin(db);
  if (!txn) return std::move(txn).error();
  if (auto r = db.exec(create_sql); !r) return r;
  if (auto r = db.exec(txn_tables_sql); !r) return r;
  if (auto r = db.exec(chunk_table_sql); !r) return r;
  if (auto r = db.exec("PRAGMA application_id=" + std::to_string(application_id)); !r) return r;
  return txn->commit();
}

status validate_existing(database& db, const std::string& path, int64_t app) {
  if (app != application_id) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(app & 0xFFFFFFFF));
    return make_error(errc::corrupt, path + ": foreign SQLite file (application_id " + buf +
                                         ", expected RopeKV segment store 0x524b5653)");
  }
  auto version = db.query_int("SELECT schema_version FROM kv_meta WHERE id=1", -1);
  if (!version) {
    return make_error(errc::corrupt, path + ": RopeKV store without a readable kv_meta table: " +
                                         version.error().message);
  }
  if (*version == 1) {
    // Schema 2 added kv_items.prev (create vs update in the change feed).
    // Versions written before it report prev 0.
    auto txn = write_txn::begin(db);
    if (!txn) return std::move(txn).error();
    if (auto r = db.exec("ALTER TABLE kv_items ADD COLUMN prev INTEGER NOT NULL DEFAULT 0;"
                         " UPDATE kv_meta SET schema_version=2 WHERE id=1;");
        !r) {
      return r;
    }
    if (auto r = txn->commit(); !r) return r;
    version = 2;
  }
  if (*version == 2) {
    // Schema 3 added transactions and request de-duplication.
    auto txn = write_txn::begin(db);
    if (!txn) return std::move(txn).error();
    if (auto r = db.exec("ALTER TABLE kv_items ADD COLUMN txn BLOB;"); !r) return r;
    if (auto r = db.exec(txn_tables_sql); !r) return r;
    if (auto r = db.exec("UPDATE kv_meta SET schema_version=3 WHERE id=1;"); !r) return r;
    if (auto r = txn->commit(); !r) return r;
    version = 3;
  }
  if (*version != schema_version) {
    return make_error(errc::corrupt, path + ": unsupported store schema version " +
                                         std::to_string(*version) + " (expected " +
                                         std::to_string(schema_version) + ")");
  }
  for (const char* t : {"kv_items", "kv_voids", "kv_partitions", "kv_locks", "kv_txns", "kv_requests"}) {
    auto n = db.query_int(std::string("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='") +
                          t + "'");
    if (!n) return std::move(n).error();
    if (*n != 1) return make_error(errc::corrupt, path + ": store table " + t + " is missing");
  }
  return {};
}

result<persisted_meta> load_meta(database& db) {
  auto q = db.prepare(
      "SELECT segment_id, start_key, end_key, epoch, applied_index, next_position, history_floor,"
      " feed_floor, compact_position FROM kv_meta WHERE id=1");
  if (!q) return std::move(q).error();
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return make_error(errc::corrupt, "kv_meta row is missing");
  persisted_meta m;
  m.seg.segment_id = q->u64(0);
  m.seg.start_key = std::string(q->blob(1));
  m.seg.end_key = std::string(q->blob(2));
  m.seg.epoch = q->u64(3);
  m.applied_index = q->u64(4);
  m.next_position = q->u64(5);
  m.history_floor = q->u64(6);
  m.feed_floor = q->u64(7);
  m.compact_position = q->u64(8);
  for (const char* sql : {"SELECT pos, log_index FROM kv_items ORDER BY pos DESC LIMIT 1",
                          "SELECT pos, log_index FROM kv_voids ORDER BY pos DESC LIMIT 1"}) {
    auto last = db.prepare(sql);
    if (!last) return std::move(last).error();
    auto has = last->step();
    if (!has) return std::move(has).error();
    if (!*has) continue;
    m.next_position = std::max(m.next_position, last->u64(0) + 1);
    m.applied_index = std::max(m.applied_index, last->u64(1));
  }
  return m;
}

status save_meta(database& db, const persisted_meta& m) {
  auto q = db.prepare(
      "UPDATE kv_meta SET segment_id=?1, start_key=?2, end_key=?3, epoch=?4, applied_index=?5,"
      " next_position=?6, history_floor=?7, feed_floor=?8, compact_position=?9 WHERE id=1");
  if (!q) return std::move(q).error();
  q->bind_u64(1, m.seg.segment_id)
      .bind_blob(2, m.seg.start_key)
      .bind_blob(3, m.seg.end_key)
      .bind_u64(4, m.seg.epoch)
      .bind_u64(5, m.applied_index)
      .bind_u64(6, m.next_position)
      .bind_u64(7, m.history_floor)
      .bind_u64(8, m.feed_floor)
      .bind_u64(9, m.compact_position);
  return q->run();
}

status clear_tables(database& db) {
  return db.exec(
      "DELETE FROM kv_items; DELETE FROM kv_voids; DELETE FROM kv_partitions;"
      " DELETE FROM kv_locks; DELETE FROM kv_txns; DELETE FROM kv_requests; DELETE FROM kv_chunks;"
      " UPDATE kv_meta SET segment_id=0, start_key=x'', end_key=x'', epoch=0, applied_index=0,"
      " next_position=1, history_floor=0, feed_floor=0, compact_position=0 WHERE id=1;");
}

}  // namespace ropekv::store::detail
