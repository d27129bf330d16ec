#pragma once
// Thin RAII layer over the SQLite C API, and the one place where SQLite
// result codes become ropekv errors.
//
// database owns a connection and its cache of prepared statements (keyed by
// SQL text; the text must be a string literal that outlives the database).
// stmt is a borrowed statement that is reset and unbound when it goes out of
// scope, so a statement never stays half-stepped between calls.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ropekv/common/result.hpp"

namespace ropekv::store::detail {

/// Translates a SQLite result code (with the connection's message) into an
/// error: corrupt / not-a-database -> corrupt, full disk / I/O / busy /
/// locked / read-only -> io_error, too big -> too_large, else internal.
ropekv::error sqlite_error(int rc, sqlite3* db, std::string_view context);

class stmt {
 public:
  stmt() = default;
  stmt(sqlite3_stmt* s, bool* in_use, bool owned) : s_(s), in_use_(in_use), owned_(owned) {}
  stmt(stmt&& o) noexcept;
  stmt& operator=(stmt&& o) noexcept;
  stmt(const stmt&) = delete;
  stmt& operator=(const stmt&) = delete;
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
  std::string_view blob(int col) const;

 private:
  void release();
  sqlite3_stmt* s_ = nullptr;
  bool* in_use_ = nullptr;
  bool owned_ = false;
};

class database {
 public:
  static result<std::unique_ptr<database>> open(const std::string& path, int flags);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// Runs one or more statements without results.
  status exec(std::string_view sql);
  /// A cached prepared statement. When the cached one is being stepped
  /// already (nested use), a private one is prepared and finalized instead.
  result<stmt> prepare(std::string_view sql);
  /// Single integer result of a query (e.g. a pragma); `fallback` when no row.
  result<int64_t> query_int(std::string_view sql, int64_t fallback = 0);

  sqlite3* handle() const { return db_; }
  ropekv::error error(int rc, std::string_view context) const { return sqlite_error(rc, db_, context); }

 private:
  explicit database(sqlite3* db) : db_(db) {}
  struct cached {
    sqlite3_stmt* s = nullptr;
    std::unique_ptr<bool> in_use;
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string_view, cached> cache_;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless committed.
class write_txn {
 public:
  static result<write_txn> begin(database& db);
  write_txn(write_txn&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  write_txn(const write_txn&) = delete;
  ~write_txn();
  status commit();
  /// Undoes the transaction now (the destructor would do it too).
  void rollback();

 private:
  explicit write_txn(database* db) : db_(db) {}
  database* db_;
};

}  // namespace ropekv::store::detail
