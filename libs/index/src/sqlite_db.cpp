#include "sqlite_db.hpp"

namespace ropekv::index::detail {

ropekv::error sqlite_error(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return make_error(errc::corrupt, std::move(msg));
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
      return make_error(errc::io_error, std::move(msg));
    case SQLITE_TOOBIG:
      return make_error(errc::too_large, std::move(msg));
    default:
      return make_error(errc::internal, std::move(msg));
  }
}

stmt::~stmt() {
  if (s_ == nullptr) return;
  if (in_use_ == nullptr) {
    sqlite3_finalize(s_);
    return;
  }
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
  *in_use_ = false;
}

stmt& stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

stmt& stmt::bind_blob(int i, std::string_view v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  static const char empty = 0;
  sqlite3_bind_blob64(s_, i, v.empty() ? &empty : v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

stmt& stmt::bind_null(int i) {
  sqlite3_bind_null(s_, i);
  return *this;
}

result<bool> stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, sqlite3_db_handle(s_), "step");
}

status stmt::run() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return {};
  return sqlite_error(rc, sqlite3_db_handle(s_), "run");
}

std::string_view stmt::blob(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return {static_cast<const char*>(p), static_cast<size_t>(n)};
}

result<std::unique_ptr<connection>> connection::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(rc, db, "open " + path);
    sqlite3_close_v2(db);
    return err;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<connection>(new connection(db));
}

connection::~connection() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.s);
  sqlite3_close_v2(db_);
}

status connection::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc == SQLITE_OK) return {};
  return sqlite_error(rc, db_, "exec");
}

result<stmt> connection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return stmt(it->second.s, it->second.in_use.get());
  }
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              it == cache_.end() ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
  if (it != cache_.end()) return stmt(s, nullptr);  // nested use: a private one
  auto& c = cache_[std::string(sql)];
  c.s = s;
  c.in_use = std::make_unique<bool>(true);
  return stmt(s, c.in_use.get());
}

result<int64_t> connection::query_int(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return std::move(s).error();
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row ? s->i64(0) : 0;
}

result<transaction> transaction::begin(connection& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return std::move(r).error();
  return transaction(&db);
}

transaction::~transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

status transaction::commit() {
  auto r = db_->exec("COMMIT");
  if (r) db_ = nullptr;
  return r;
}

}  // namespace ropekv::index::detail
