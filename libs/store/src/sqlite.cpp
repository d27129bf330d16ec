#include "sqlite.hpp"

#include <utility>

namespace ropekv::store::detail {

ropekv::error sqlite_error(int rc, sqlite3* db, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xFF) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      return make_error(errc::corrupt, std::move(msg));
    case SQLITE_FULL:  // the disk is full: callers answer 507, not 500
      return make_error(errc::insufficient_storage, std::move(msg));
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
      return make_error(errc::io_error, std::move(msg));
    case SQLITE_TOOBIG:
      return make_error(errc::too_large, std::move(msg));
    default:
      return make_error(errc::internal, std::move(msg));
  }
}

// ------------------------------------------------------------------ stmt

stmt::stmt(stmt&& o) noexcept
    : s_(std::exchange(o.s_, nullptr)), in_use_(std::exchange(o.in_use_, nullptr)), owned_(o.owned_) {}

stmt& stmt::operator=(stmt&& o) noexcept {
  if (this != &o) {
    release();
    s_ = std::exchange(o.s_, nullptr);
    in_use_ = std::exchange(o.in_use_, nullptr);
    owned_ = o.owned_;
  }
  return *this;
}

stmt::~stmt() { release(); }

void stmt::release() {
  if (s_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(s_);
  } else {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    if (in_use_ != nullptr) *in_use_ = false;
  }
  s_ = nullptr;
  in_use_ = nullptr;
}

stmt& stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

stmt& stmt::bind_blob(int i, std::string_view v) {
  // A zero-length blob must still be a BLOB, not NULL: pass a non-null pointer.
  static const char empty = 0;
  sqlite3_bind_blob64(s_, i, v.empty() ? &empty : v.data(), v.size(), SQLITE_STATIC);
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

// -------------------------------------------------------------- database

result<std::unique_ptr<database>> database::open(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    auto err = sqlite_error(rc, db, "open " + path);
    sqlite3_close_v2(db);
    return err;
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<database>(new database(db));
}

database::~database() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c.s);
  sqlite3_close_v2(db_);
}

status database::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return {};
  std::string ctx = "exec";
  if (err != nullptr) sqlite3_free(err);
  return sqlite_error(rc, db_, ctx);
}

result<stmt> database::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return stmt(it->second.s, it->second.in_use.get(), false);
  }
  sqlite3_stmt* s = nullptr;
  bool cache_it = it == cache_.end();
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              cache_it ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
  if (!cache_it) return stmt(s, nullptr, true);
  auto& c = cache_[sql];
  c.s = s;
  c.in_use = std::make_unique<bool>(true);
  return stmt(s, c.in_use.get(), false);
}

result<int64_t> database::query_int(std::string_view sql, int64_t fallback) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, std::string("prepare ") + std::string(sql));
  stmt q(s, nullptr, true);
  auto row = q.step();
  if (!row) return std::move(row).error();
  return *row ? q.i64(0) : fallback;
}

// ------------------------------------------------------------- write_txn

result<write_txn> write_txn::begin(database& db) {
  auto s = db.prepare("BEGIN IMMEDIATE");
  if (!s) return std::move(s).error();
  if (auto r = s->run(); !r) return std::move(r).error();
  return write_txn(&db);
}

write_txn::~write_txn() { rollback(); }

void write_txn::rollback() {
  if (db_ == nullptr) return;
  // Only reached on an error path: undo everything of this transaction.
  sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  db_ = nullptr;
}

status write_txn::commit() {
  auto s = db_->prepare("COMMIT");
  if (!s) return std::move(s).error();
  if (auto r = s->run(); !r) return r;
  db_ = nullptr;
  return {};
}

}  // namespace ropekv::store::detail
