#include "ropekv/catalog/catalog_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace ropekv::catalog {
namespace {

constexpr int application_id = 0x52704370;  // "RpCp": a RopeKV placement catalog

const char* schema_sql = R"(
  CREATE TABLE IF NOT EXISTS id_counters (kind INTEGER PRIMARY KEY, next INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, id INTEGER UNIQUE NOT NULL,
                                     record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS rope_meta (one INTEGER PRIMARY KEY CHECK (one = 1),
                                        version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS rope_segments (start_key BLOB PRIMARY KEY, record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS hooks (name TEXT PRIMARY KEY, record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS indexes (id INTEGER PRIMARY KEY, record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS tokens (name TEXT PRIMARY KEY, record BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS catalog_applied (one INTEGER PRIMARY KEY CHECK (one = 1),
                                              log_index INTEGER NOT NULL);
)";

error sqlite_error(sqlite3* db, const char* what) {
  return make_error(errc::io_error, std::string(what) + ": " + sqlite3_errmsg(db));
}

// RAII prepared statement; the catalog is small and cold, so statements are
// prepared per call rather than cached.
class stmt {
 public:
  stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  stmt& bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); return *this; }
  stmt& bind(int i, const std::string& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  stmt& bind_text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return rc_ = sqlite3_step(s_); }
  int64_t int_at(int i) { return sqlite3_column_int64(s_, i); }
  std::string blob_at(int i) {
    auto* p = static_cast<const char*>(sqlite3_column_blob(s_, i));
    return std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(s_, i)));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

template <class Msg>
result<std::vector<Msg>> load_all(sqlite3* db, const char* sql) {
  stmt q(db, sql);
  if (!q.ok()) return sqlite_error(db, "prepare");
  std::vector<Msg> out;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    Msg m;
    if (!m.ParseFromString(q.blob_at(0))) return make_error(errc::corrupt, "catalog record unreadable");
    out.push_back(std::move(m));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, "read");
  return out;
}

}  // namespace

result<std::unique_ptr<catalog_db>> catalog_db::open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<catalog_db> db(new catalog_db(raw));
  if (rc != SQLITE_OK) return sqlite_error(raw, "open catalog");
  sqlite3_busy_timeout(raw, 5000);
  // A file that is not SQLite fails here; one of another application fails
  // the application_id check below.
  int64_t found = 0;
  bool empty = false;
  {
    stmt app(raw, "PRAGMA application_id");
    if (!app.ok() || app.step() != SQLITE_ROW)
      return make_error(errc::corrupt, path + " is not a RopeKV catalog: " + sqlite3_errmsg(raw));
    found = app.int_at(0);
    stmt tables(raw, "SELECT count(*) FROM sqlite_master");
    if (!tables.ok() || tables.step() != SQLITE_ROW) return sqlite_error(raw, "inspect catalog");
    empty = tables.int_at(0) == 0;
  }
  if (!empty && found != application_id)
    return make_error(errc::corrupt, path + " is not a RopeKV catalog (foreign SQLite file)");
  if (auto st = db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"); !st) return st.error();
  if (empty) {
    std::string set_id = "PRAGMA application_id=" + std::to_string(application_id);
    if (auto st = db->exec(set_id.c_str()); !st) return st.error();
  }
  if (auto st = db->exec(schema_sql); !st) return st.error();
  return db;
}

catalog_db::~catalog_db() {
  if (session_ != nullptr) sqlite3session_delete(session_);
  sqlite3_close_v2(db_);  // rolls an open batch back
}

status catalog_db::exec(const char* sql) {
  // Inside a replicated batch a method's own transaction is a savepoint:
  // its writes join the batch (one log entry) and a ROLLBACK undoes only
  // them (catalog_db.hpp, "Replication").
  if (sink_ != nullptr) {
    std::string_view s(sql);
    if (s == "BEGIN IMMEDIATE" || s == "BEGIN") sql = "SAVEPOINT catalog_op";
    else if (s == "COMMIT") sql = "RELEASE catalog_op";
    else if (s == "ROLLBACK") sql = "ROLLBACK TO catalog_op; RELEASE catalog_op";
  }
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg ? msg : "unknown";
    sqlite3_free(msg);
    return make_error(errc::io_error, text);
  }
  return {};
}

result<uint64_t> catalog_db::allocate_id(id_kind kind) {
  stmt q(db_,
         "INSERT INTO id_counters(kind, next) VALUES (?1, 2) "
         "ON CONFLICT(kind) DO UPDATE SET next = next + 1 RETURNING next - 1");
  q.bind(1, static_cast<int64_t>(kind));
  if (!q.ok() || q.step() != SQLITE_ROW) return sqlite_error(db_, "allocate id");
  return static_cast<uint64_t>(q.int_at(0));
}

result<uint64_t> catalog_db::last_id(id_kind kind) {
  stmt q(db_, "SELECT next - 1 FROM id_counters WHERE kind = ?1");
  q.bind(1, static_cast<int64_t>(kind));
  if (!q.ok()) return sqlite_error(db_, "read id counter");
  int rc = q.step();
  if (rc == SQLITE_DONE) return uint64_t{0};
  if (rc != SQLITE_ROW) return sqlite_error(db_, "read id counter");
  return static_cast<uint64_t>(q.int_at(0));
}

status catalog_db::put_node(const pb::NodeDescriptor& node) {
  stmt q(db_, "INSERT OR REPLACE INTO nodes(id, record) VALUES (?1, ?2)");
  q.bind(1, static_cast<int64_t>(node.id())).bind(2, node.SerializeAsString());
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "put node");
  return {};
}

result<std::vector<pb::NodeDescriptor>> catalog_db::nodes() {
  return load_all<pb::NodeDescriptor>(db_, "SELECT record FROM nodes ORDER BY id");
}

result<pb::TableSchema> catalog_db::create_table(pb::TableSchema schema) {
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st.error();
  auto rollback = [this](error e) { (void)exec("ROLLBACK"); return e; };
  {
    stmt exists(db_, "SELECT 1 FROM tables WHERE name = ?1");
    exists.bind_text(1, schema.name());
    if (exists.step() == SQLITE_ROW)
      return rollback(make_error(errc::already_exists, "table " + schema.name() + " exists"));
  }
  auto id = allocate_id(id_kind::table);
  if (!id) return rollback(std::move(id).error());
  schema.set_id(static_cast<uint32_t>(*id));
  stmt q(db_, "INSERT INTO tables(name, id, record) VALUES (?1, ?2, ?3)");
  q.bind_text(1, schema.name()).bind(2, static_cast<int64_t>(*id)).bind(3, schema.SerializeAsString());
  if (!q.ok() || q.step() != SQLITE_DONE) return rollback(sqlite_error(db_, "create table"));
  if (auto st = exec("COMMIT"); !st) return rollback(st.error());
  return schema;
}

result<std::vector<pb::TableSchema>> catalog_db::tables() {
  return load_all<pb::TableSchema>(db_, "SELECT record FROM tables ORDER BY name");
}

result<pb::TableSchema> catalog_db::table(const std::string& name) {
  stmt q(db_, "SELECT record FROM tables WHERE name = ?1");
  q.bind_text(1, name);
  int rc = q.step();
  if (rc == SQLITE_DONE) return make_error(errc::not_found, "no table " + name);
  if (rc != SQLITE_ROW) return sqlite_error(db_, "read table");
  pb::TableSchema schema;
  if (!schema.ParseFromString(q.blob_at(0))) return make_error(errc::corrupt, "table record unreadable");
  return schema;
}

status catalog_db::drop_table(const std::string& name) {
  stmt q(db_, "DELETE FROM tables WHERE name = ?1");
  q.bind_text(1, name);
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "drop table");
  if (sqlite3_changes(db_) == 0) return make_error(errc::not_found, "no table " + name);
  return {};
}

status catalog_db::save_rope(uint64_t version, const std::vector<pb::SegmentDescriptor>& segments) {
  auto current = load_rope();
  if (!current) return current.error();
  if (version <= current->version)
    return make_error(errc::invalid_argument, "rope version must grow");
  if (auto st = exec("BEGIN IMMEDIATE"); !st) return st;
  auto fail = [this](error e) -> status { (void)exec("ROLLBACK"); return e; };
  if (auto st = exec("DELETE FROM rope_segments"); !st) return fail(st.error());
  for (const auto& seg : segments) {
    stmt q(db_, "INSERT INTO rope_segments(start_key, record) VALUES (?1, ?2)");
    q.bind(1, seg.start_key()).bind(2, seg.SerializeAsString());
    if (!q.ok() || q.step() != SQLITE_DONE) return fail(sqlite_error(db_, "save segment"));
  }
  stmt meta(db_, "INSERT OR REPLACE INTO rope_meta(one, version) VALUES (1, ?1)");
  meta.bind(1, static_cast<int64_t>(version));
  if (!meta.ok() || meta.step() != SQLITE_DONE) return fail(sqlite_error(db_, "save rope version"));
  return exec("COMMIT");
}

result<stored_rope> catalog_db::load_rope() {
  stored_rope rope;
  stmt meta(db_, "SELECT version FROM rope_meta WHERE one = 1");
  if (!meta.ok()) return sqlite_error(db_, "read rope version");
  if (meta.step() == SQLITE_ROW) rope.version = static_cast<uint64_t>(meta.int_at(0));
  auto segs = load_all<pb::SegmentDescriptor>(db_, "SELECT record FROM rope_segments ORDER BY start_key");
  if (!segs) return std::move(segs).error();
  rope.segments = std::move(*segs);
  return rope;
}

status catalog_db::put_hook(const pb::Hook& hook) {
  stmt q(db_, "INSERT OR REPLACE INTO hooks(name, record) VALUES (?1, ?2)");
  q.bind_text(1, hook.spec().name()).bind(2, hook.SerializeAsString());
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "put hook");
  return {};
}

result<std::vector<pb::Hook>> catalog_db::hooks() {
  return load_all<pb::Hook>(db_, "SELECT record FROM hooks ORDER BY name");
}

status catalog_db::drop_hook(const std::string& name) {
  stmt q(db_, "DELETE FROM hooks WHERE name = ?1");
  q.bind_text(1, name);
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "drop hook");
  if (sqlite3_changes(db_) == 0) return make_error(errc::not_found, "no hook " + name);
  return {};
}

status catalog_db::put_index(const pb::IndexDescriptor& index) {
  stmt q(db_, "INSERT OR REPLACE INTO indexes(id, record) VALUES (?1, ?2)");
  q.bind(1, static_cast<int64_t>(index.id())).bind(2, index.SerializeAsString());
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "put index");
  return {};
}

result<std::vector<pb::IndexDescriptor>> catalog_db::indexes() {
  return load_all<pb::IndexDescriptor>(db_, "SELECT record FROM indexes ORDER BY id");
}

status catalog_db::drop_index(uint32_t id) {
  stmt q(db_, "DELETE FROM indexes WHERE id = ?1");
  q.bind(1, static_cast<int64_t>(id));
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "drop index");
  if (sqlite3_changes(db_) == 0) return make_error(errc::not_found, "no index " + std::to_string(id));
  return {};
}

status catalog_db::put_token(const pb::AuthToken& token) {
  stmt q(db_, "INSERT INTO tokens(name, record) VALUES (?1, ?2)");
  q.bind_text(1, token.name()).bind(2, token.SerializeAsString());
  if (!q.ok()) return sqlite_error(db_, "put token");
  int rc = q.step();
  if (rc == SQLITE_CONSTRAINT) return make_error(errc::already_exists, "token " + token.name() + " exists");
  if (rc != SQLITE_DONE) return sqlite_error(db_, "put token");
  return {};
}

result<std::vector<pb::AuthToken>> catalog_db::tokens() {
  return load_all<pb::AuthToken>(db_, "SELECT record FROM tokens ORDER BY name");
}

status catalog_db::drop_token(const std::string& name) {
  stmt q(db_, "DELETE FROM tokens WHERE name = ?1");
  q.bind_text(1, name);
  if (!q.ok() || q.step() != SQLITE_DONE) return sqlite_error(db_, "drop token");
  if (sqlite3_changes(db_) == 0) return make_error(errc::not_found, "no token " + name);
  return {};
}

}  // namespace ropekv::catalog
