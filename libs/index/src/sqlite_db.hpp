#pragma once
// Thin RAII over the SQLite C API for the index store, and the one place in
// this library where SQLite result codes become ropekv errors. (libs/store
// has its own layer; this one is private so an indexer does not link the
// segment store.)
//
// connection owns the handle and a cache of prepared statements keyed by
// SQL text. stmt borrows one and resets/unbinds it when it goes out of
// scope, so no statement stays half-stepped (holding a read snapshot)
// between calls. Not thread-safe: the index store's owner serialises use.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ropekv/common/result.hpp"

namespace ropekv::index::detail {

/// corrupt / not-a-database -> corrupt; disk, I/O, busy, locked, read-only
/// -> io_error; too big -> too_large; anything else -> internal.
ropekv::error sqlite_error(int rc, sqlite3* db, std::string_view context);

class stmt {
 public:
  stmt(sqlite3_stmt* s, bool* in_use) : s_(s), in_use_(in_use) {}  // in_use null: owned
  stmt(stmt&& o) noexcept : s_(o.s_), in_use_(o.in_use_) { o.s_ = nullptr; }
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
  stmt& operator=(stmt&&) = delete;
  ~stmt();

  stmt& bind(int i, int64_t v);
  stmt& bind_u64(int i, uint64_t v) { return bind(i, static_cast<int64_t>(v)); }
  stmt& bind_blob(int i, std::string_view v);
  stmt& bind_null(int i);

  /// true: a row is ready; false: done.
  result<bool> step();
  /// Steps a statement that returns no rows.
  status run();

  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(s_, col)); }
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  /// Blob or text column as bytes (empty for NULL); valid until the next step.
  std::string_view blob(int col) const;

 private:
  sqlite3_stmt* s_;
  bool* in_use_;
};

class connection {
 public:
  /// Opens (creating) a database file; ":memory:" works.
  static result<std::unique_ptr<connection>> open(const std::string& path);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  status exec(std::string_view sql);
  /// The cached statement for `sql`; when it is being stepped already
  /// (nested use) a private one is prepared and finalized instead.
  result<stmt> prepare(std::string_view sql);
  result<int64_t> query_int(std::string_view sql);
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const { return sqlite3_changes64(db_); }

 private:
  explicit connection(sqlite3* db) : db_(db) {}
  struct cached {
    sqlite3_stmt* s = nullptr;
    std::unique_ptr<bool> in_use;
  };
  sqlite3* db_;
  std::unordered_map<std::string, cached> cache_;
};

/// BEGIN IMMEDIATE now; ROLLBACK on destruction unless committed, so an
/// error return anywhere in a write leaves the file as it was.
class transaction {
 public:
  static result<transaction> begin(connection& db);
  transaction(transaction&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  transaction& operator=(transaction&&) = delete;
  ~transaction();
  status commit();

 private:
  explicit transaction(connection* db) : db_(db) {}
  connection* db_;
};

}  // namespace ropekv::index::detail
