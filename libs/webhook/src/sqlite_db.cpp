#include "sqlite_db.hpp"

namespace ropekv::webhook::detail {

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
    default:
      return make_error(errc::internal, std::move(msg));
  }
}

statement& statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

statement& statement::bind_text(int i, std::string_view v) {
  sqlite3_bind_text64(s_, i, v.data() != nullptr ? v.data() : "", v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

statement& statement::bind_blob(int i, std::string_view v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  static const char empty = 0;
  sqlite3_bind_blob64(s_, i, v.empty() ? &empty : v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}

result<bool> statement::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, sqlite3_db_handle(s_), "step");
}

status statement::run() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return {};
  return sqlite_error(rc, sqlite3_db_handle(s_), "run");
}

std::string statement::bytes(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
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

connection::~connection() { sqlite3_close_v2(db_); }

status connection::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc == SQLITE_OK) return {};
  return sqlite_error(rc, db_, "exec");
}

result<statement> connection::prepare(std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
  return statement(s);
}

result<int64_t> connection::query_int(std::string_view sql) {
  auto s = prepare(sql);
  if (!s) return std::move(s).error();
  auto row = s->step();
  if (!row) return std::move(row).error();
  return *row ? s->i64(0) : 0;
}

}  // namespace ropekv::webhook::detail
