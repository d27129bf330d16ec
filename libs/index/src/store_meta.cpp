// Schema, meta row and backfill ranges of an index file.
#include "store_state.hpp"

namespace ropekv::index::detail {
namespace {

constexpr int64_t schema_version = 1;

// rows: the index itself, in query order. base: the version guard and
// before-image per base key. meta: one row (id 1). ranges: backfill scan
// progress, one row per range (a table rather than a blob in meta, so a
// scanned page rewrites one small row).
constexpr std::string_view schema_sql = R"(
CREATE TABLE IF NOT EXISTS ix_rows(
  ikey       BLOB NOT NULL,
  pk         BLOB NOT NULL,
  version    INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL,
  item       BLOB NOT NULL,
  PRIMARY KEY(ikey, pk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ix_base(
  pk      BLOB PRIMARY KEY,
  version INTEGER NOT NULL,
  ikey    BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ix_meta(
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  index_id          INTEGER NOT NULL,
  table_id          INTEGER NOT NULL,
  spec              BLOB NOT NULL,
  phase             INTEGER NOT NULL,
  entries           INTEGER NOT NULL,
  items_done        INTEGER NOT NULL,
  items_estimated   INTEGER NOT NULL,
  unique_violations INTEGER NOT NULL,
  rebuilds          INTEGER NOT NULL,
  position          BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ix_ranges(
  start    BLOB PRIMARY KEY,
  end_key  BLOB NOT NULL,
  position INTEGER NOT NULL,
  cursor   BLOB NOT NULL,
  done     INTEGER NOT NULL
) WITHOUT ROWID;
PRAGMA user_version = 1;
)";

}  // namespace

status create_schema(sqlite::connection& db) {
  auto version = db.query_int("PRAGMA user_version");
  if (!version) return std::move(version).error();
  if (*version > schema_version) {
    return make_error(errc::corrupt, "index file schema " + std::to_string(*version) + " is newer than this build");
  }
  return db.exec(schema_sql);
}

result<bool> load_meta(store_state& s) {
  auto q = s.db->prepare(
      "SELECT index_id, table_id, spec, phase, entries, items_done, items_estimated, unique_violations, "
      "rebuilds, position FROM ix_meta WHERE id = 1");
  if (!q) return std::move(q).error();
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return false;
  s.index_id = static_cast<uint32_t>(q->i64(0));
  s.table_id = static_cast<uint32_t>(q->i64(1));
  auto spec = q->blob(2);
  if (!s.spec.ParseFromArray(spec.data(), static_cast<int>(spec.size()))) {
    return make_error(errc::corrupt, "index meta: spec does not parse");
  }
  s.phase = static_cast<pb::IndexReplicaPhase>(q->i64(3));
  s.counters.entries = q->u64(4);
  s.counters.items_done = q->u64(5);
  s.counters.items_estimated = q->u64(6);
  s.counters.unique_violations = q->u64(7);
  s.counters.rebuilds = q->u64(8);
  auto pos = q->blob(9);
  if (!s.position.ParseFromArray(pos.data(), static_cast<int>(pos.size()))) {
    return make_error(errc::corrupt, "index meta: position does not parse");
  }

  auto r = s.db->prepare("SELECT start, end_key, position, cursor, done FROM ix_ranges ORDER BY start");
  if (!r) return std::move(r).error();
  s.ranges.clear();
  while (true) {
    auto more = r->step();
    if (!more) return std::move(more).error();
    if (!*more) break;
    s.ranges.push_back(backfill_range{std::string(r->blob(0)), std::string(r->blob(1)), r->u64(2),
                                      std::string(r->blob(3)), r->i64(4) != 0});
  }
  return true;
}

status save_meta(const store_state& s) {
  auto q = s.db->prepare(
      "INSERT OR REPLACE INTO ix_meta(id, index_id, table_id, spec, phase, entries, items_done, "
      "items_estimated, unique_violations, rebuilds, position) VALUES(1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!q) return std::move(q).error();
  q->bind(1, s.index_id).bind(2, s.table_id).bind_blob(3, s.spec.SerializeAsString()).bind(4, s.phase);
  q->bind_u64(5, s.counters.entries).bind_u64(6, s.counters.items_done);
  q->bind_u64(7, s.counters.items_estimated).bind_u64(8, s.counters.unique_violations);
  q->bind_u64(9, s.counters.rebuilds).bind_blob(10, s.position.SerializeAsString());
  return q->run();
}

status save_ranges(const store_state& s) {
  if (auto r = s.db->exec("DELETE FROM ix_ranges"); !r) return r;
  for (const auto& range : s.ranges) {
    auto q = s.db->prepare("INSERT INTO ix_ranges(start, end_key, position, cursor, done) VALUES(?, ?, ?, ?, ?)");
    if (!q) return std::move(q).error();
    q->bind_blob(1, range.start).bind_blob(2, range.end).bind_u64(3, range.position);
    q->bind_blob(4, range.cursor).bind(5, range.done ? 1 : 0);
    if (auto r = q->run(); !r) return r;
  }
  return {};
}

status save_range_progress(const store_state& s, const backfill_range& r) {
  auto q = s.db->prepare("UPDATE ix_ranges SET position = ?, cursor = ?, done = ? WHERE start = ?");
  if (!q) return std::move(q).error();
  q->bind_u64(1, r.position).bind_blob(2, r.cursor).bind(3, r.done ? 1 : 0).bind_blob(4, r.start);
  return q->run();
}

status clear_all(sqlite::connection& db) {
  return db.exec("DELETE FROM ix_rows; DELETE FROM ix_base; DELETE FROM ix_ranges;");
}

}  // namespace ropekv::index::detail
